"""``graphrisk generate``: write a synthetic guarantee-network dataset."""

from __future__ import annotations

import time
from pathlib import Path

import click

from graphrisk.cli.base import echo_err, main
from graphrisk.synth.params import PROFILES


@main.command()
@click.option("--enterprises", "-n", "n_enterprises", type=click.IntRange(min=1), default=10_000,
              show_default=True, metavar="N", help="Number of enterprises.")
@click.option("--seed", "-s", type=int, default=0, show_default=True,
              help="Random seed: the same seed gives byte-identical files.")
@click.option("-o", "--output", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Folder to write the CSV files into.")
@click.option("--profile", type=click.Choice(list(PROFILES)), default=None,
              help="Shape of the network.  realistic (default): as the real regional "
                   "network of SPEC's appendix, mostly pairs, chains and small stars, "
                   "about 100 circles (of at most ~7 firms) and 100 mutual pairs per 100k "
                   "entities, one group of ~500 entities and the rest below 100.  stress: "
                   "the dense network of graphrisk 0.2's defaults (1.5 guarantees per "
                   "enterprise, ~10 % of the links mutual, some 7,000 circles per 100k; "
                   "the same seed gives the same files as 0.2).  circle-heavy: stress with "
                   "large dense clusters whose circles have tens to hundreds of firms.")
@click.option("--circle-heavy", is_flag=True,
              help="Deprecated: the same as --profile circle-heavy.")
@click.option("--force", is_flag=True, help="Overwrite the CSV files of a non-empty DIR.")
def generate(n_enterprises: int, seed: int, out_dir: Path, profile: str | None,
             circle_heavy: bool, force: bool):
    """Generate a synthetic, valid dataset (SPEC §1) of N enterprises.

    Enterprises with unified social credit codes, persons, banks, microloan and
    guarantee companies, shareholdings (ownership trees 3–6 deep, some cross-holdings),
    posts, loans (five-class mix) and guarantees (heavy-tailed out-degrees, mutual
    guarantees, triangles and larger circles, local clusters) in the shape of a
    --profile: realistic (the default, as the real regional network of SPEC's
    appendix), stress (dense, many circles) or circle-heavy (circles of hundreds).
    A summary of the rows per file goes to standard error.

    Example:  graphrisk generate --enterprises 100000 --seed 1 -o data/g100k

    Example:  graphrisk generate -n 100000 --seed 1 --profile stress -o data/s100k
    """
    from graphrisk.synth import GeneratorParams, write_dataset
    from graphrisk.synth import generate as draw

    if circle_heavy:
        if profile not in (None, "circle-heavy"):
            raise click.UsageError(f"--circle-heavy (deprecated: --profile circle-heavy) "
                                   f"contradicts --profile {profile}")
        echo_err("warning: --circle-heavy is deprecated; use --profile circle-heavy")
        profile = "circle-heavy"
    profile = profile or "realistic"
    if out_dir.exists() and not out_dir.is_dir():
        raise click.UsageError(f"{out_dir} exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise click.UsageError(f"{out_dir} is not empty (use --force to overwrite its CSV files)")
    t0 = time.perf_counter()
    tables = draw(n_enterprises, seed=seed, params=GeneratorParams.profile(profile))
    counts = write_dataset(tables, out_dir)
    seconds = time.perf_counter() - t0
    width = max(len(f) for f in counts)
    echo_err(f"wrote {out_dir} ({profile} profile, seed {seed}, {seconds:.1f} s):")
    for fname, rows in counts.items():
        echo_err(f"  {fname:<{width}}  {rows:>10,} rows")
