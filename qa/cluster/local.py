"""A Ray cluster of several nodes on this one machine, on loopback only: for tests, benchmarks and trying `--ray`."""
from __future__ import annotations

import os
import tempfile

from ..config import CLUSTER, ClusterSettings
from ..errors import ClusterError
from .build import ray_module


def node_args(cpus: float = 1, cluster: ClusterSettings = CLUSTER) -> dict:
    """A node's Ray arguments: its CPUs, loopback only, and agent ports its own processes pick (port 0).

    Two nodes on one host would otherwise ask for the same default dashboard-agent port; ports chosen here and
    handed to Ray could be taken by another process before Ray binds them, so the agents bind port 0 themselves.
    """
    return {"num_cpus": cpus, "node_ip_address": cluster.loopback, "dashboard_agent_listen_port": 0,
            "metrics_export_port": 0, "runtime_env_agent_port": 0}


def loopback_environment(cluster: ClusterSettings = CLUSTER) -> None:
    """Keep Ray on loopback in this process and those it starts (must come before `ray` is imported)."""
    os.environ[cluster.loopback_env] = "0"


def quiet_ray_environment(cluster: ClusterSettings = CLUSTER) -> str:
    """Loopback only, usage statistics off and Ray's files in a new short folder (its socket paths must stay
    short): the folder."""
    loopback_environment(cluster)
    folder = tempfile.mkdtemp(prefix="ray", dir="/tmp" if os.path.isdir("/tmp") else None)
    os.environ.update(RAY_TMPDIR=folder, RAY_USAGE_STATS_ENABLED="0")
    return folder


def start_local_cluster(nodes: int, cpus: float = 1, cluster: ClusterSettings = CLUSTER):
    """A head and nodes-1 worker nodes of `cpus` each on loopback, this process connected as the driver.

    Call `quiet_ray_environment` first (before importing `ray`); stop it with `ray.shutdown()` and the cluster's
    `shutdown()`. Each node gets `node_start_timeout_s` to register, not Ray's 30 s, which a loaded machine exceeds.
    """
    ray = ray_module()
    from ray.cluster_utils import Cluster

    if ray.util.get_node_ip_address() != cluster.loopback:
        raise ClusterError(f"Ray is not on loopback: set {cluster.loopback_env}=0 before `ray` is imported")
    made = Cluster()
    made.add_node(wait=False, include_dashboard=False, **node_args(cpus, cluster))
    made.wait_for_nodes(timeout=cluster.node_start_timeout_s)
    made.connect()
    for _ in range(nodes - 1):
        add_node(made, cpus, cluster)
    return made


def add_node(made, cpus: float = 1, cluster: ClusterSettings = CLUSTER):
    """Another worker node of `cpus` on loopback, waited for (up to `node_start_timeout_s`): the node."""
    node = made.add_node(wait=False, **node_args(cpus, cluster))
    made.wait_for_nodes(timeout=cluster.node_start_timeout_s)
    return node


def main(argv: list[str] | None = None) -> int:
    """`python -m qa.cluster.local [--nodes 2] [--cpus 1]`: a local cluster on loopback until Ctrl-C or SIGTERM;
    its address is printed, for `qa build --ray ADDRESS` and `qa eval --ray ADDRESS`."""
    import argparse
    import shutil
    import signal
    import threading

    parser = argparse.ArgumentParser(prog="python -m qa.cluster.local", description=main.__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--cpus", type=float, default=1, help="CPUs of each node (default 1)")
    args = parser.parse_args(argv)
    folder = quiet_ray_environment()  # before `ray` is imported (start_local_cluster imports it)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    made = start_local_cluster(args.nodes, args.cpus)
    try:
        print(made.address, flush=True)
        stop.wait()
    finally:
        ray_module().shutdown()
        made.shutdown()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
