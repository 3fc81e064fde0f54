"""graphrisk — guarantee-network (担保网络) risk analysis.

>>> import graphrisk
>>> ds = graphrisk.load_dataset("datasets/demo")          # doctest: +SKIP
>>> net = graphrisk.build_network(ds)                      # doctest: +SKIP
"""

__version__ = "0.1.0"


def __getattr__(name):  # lazy, so that ``import graphrisk`` stays cheap for the CLI
    if name == "load_dataset":
        from graphrisk.io.load import load_dataset
        return load_dataset
    if name in ("build_network", "to_networkx"):
        from graphrisk.network import graph
        return getattr(graph, name)
    raise AttributeError(name)
