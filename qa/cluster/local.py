"""A Ray cluster of several nodes on this one machine: for tests, benchmarks and trying `qa build --ray`."""
from __future__ import annotations

import os
import socket
import tempfile

from .build import ray_module


def free_ports(count: int) -> list[int]:
    """Ports free on this machine now (held together, so they differ)."""
    held = [socket.socket() for _ in range(count)]
    for s in held:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in held]
    for s in held:
        s.close()
    return ports


def node_args(cpus: float = 1) -> dict:
    """A node's Ray arguments: its CPUs, and agent ports of its own (two nodes on one host would otherwise ask
    for the same dashboard-agent, metrics and runtime-env-agent ports)."""
    agent, metrics, runtime_env = free_ports(3)
    return {"num_cpus": cpus, "dashboard_agent_listen_port": agent, "metrics_export_port": metrics,
            "runtime_env_agent_port": runtime_env}


def quiet_ray_environment() -> str:
    """Usage statistics off and Ray's files in a new short folder (its socket paths must stay short): the folder."""
    folder = tempfile.mkdtemp(prefix="ray", dir="/tmp" if os.path.isdir("/tmp") else None)
    os.environ.update(RAY_TMPDIR=folder, RAY_USAGE_STATS_ENABLED="0")
    return folder


def start_local_cluster(nodes: int, cpus: float = 1):
    """A head and nodes-1 worker nodes of `cpus` each, this process connected as the driver (`ray.cluster_utils`).

    Call `quiet_ray_environment` first; stop it with `ray.shutdown()` and the cluster's `shutdown()`.
    """
    ray_module()
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, connect=True, head_node_args={**node_args(cpus), "include_dashboard": False})
    for _ in range(nodes - 1):
        cluster.add_node(**node_args(cpus))
    cluster.wait_for_nodes()
    return cluster
