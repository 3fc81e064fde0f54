"""Synthetic guarantee networks of any size (SPEC appendix).

Realistic (mostly trees, chains and stars with a few circles, as in published regional
networks) or dense stress profiles, written as a dataset folder.
"""


from graphrisk.synth._write import write_dataset
from graphrisk.synth.generate import generate
from graphrisk.synth.params import GeneratorParams

__all__ = ["GeneratorParams", "generate", "write_dataset"]
