"""Synthetic guarantee networks of any size (SPEC appendix): realistic (mostly trees,
chains and stars with a few circles, as in published regional networks) or dense
stress profiles, written as a dataset folder.
"""


from graphrisk.synth.generate import GeneratorParams, generate, write_dataset

__all__ = ["GeneratorParams", "generate", "write_dataset"]
