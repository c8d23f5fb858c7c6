"""Data-parallel training through a QP layer with torch DistributedDataParallel (gloo).

The model of examples/demo_train.py (an MLP whose output a QPLayer projects onto
the budget-and-caps polytope {x : 1ᵀx = 1, 0 ≤ x ≤ cap}) trained with
DistributedDataParallel: each process solves its share of every batch's QPs (and
their backward passes) in Go, and DDP averages the gradients over processes with
the gloo backend (CPU). The targets are projections computed by lpgd_go in the
DataLoader's collate function, i.e. in the worker processes, which therefore use
the "spawn" start method (the Go runtime does not survive fork()).

One machine, two processes (or one process: plain `python examples/ddp_train.py`):

    torchrun --nproc_per_node=2 examples/ddp_train.py --steps 20

Two machines (run on each, NODE_RANK 0 and 1; node 0's address reachable by both):

    torchrun --nnodes=2 --node_rank=$NODE_RANK --nproc_per_node=2 \\
        --master_addr=$NODE0_ADDR --master_port=29500 examples/ddp_train.py

Each process gets (CPUs of the machine) / (processes on the machine) threads for
lpgd_go and for torch (`--threads` overrides). `--world-batch` is the global batch
(split evenly over the processes). The loss is normalized by the global batch and
DDP sums the gradients (a communication hook instead of its default average), so
every sample's QP backward sees the same incoming gradient whatever the number of
processes and a run gives the gradients of a single process up to summation order
(`--reduce mean`: DDP's default, per-process mean then average; mathematically the
same, but the backward's iterative refinement stops at an absolute residual, so
results then differ in about the 11th digit). `--out FILE` saves the first step's
gradients and the final parameters (rank 0) for such comparisons
(python/tests/test_ddp.py).
"""

# No `from __future__ import annotations`: DDP checks the comm hook's annotations at run time.
import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

import lpgd_go

N_VARS, N_FEATURES, CAP = 10, 8, 0.25


def constraints(n: int = N_VARS, cap: float = CAP) -> tuple[torch.Tensor, ...]:
    """P = I and the polytope 1ᵀx = 1, 0 ≤ x ≤ cap as (P, G, h, A, b)."""
    f64 = torch.float64
    eye = torch.eye(n, dtype=f64)
    G = torch.cat([eye, -eye])
    h = torch.cat([torch.full((n,), cap, dtype=f64), torch.zeros(n, dtype=f64)])
    return eye, G, h, torch.ones(1, n, dtype=f64), torch.ones(1, dtype=f64)


class FeatureDataset(Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """Features φ and the unconstrained targets W* φ (the true scores)."""

    def __init__(self, size: int, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        w_true = 0.3 * torch.randn(N_VARS, N_FEATURES, generator=g, dtype=torch.float64)
        self.phi = torch.randn(size, N_FEATURES, generator=g, dtype=torch.float64)
        self.scores = self.phi @ w_true.T

    def __len__(self) -> int:
        return len(self.phi)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.phi[i], self.scores[i]


def collate_with_targets(
    items: list[tuple[torch.Tensor, torch.Tensor]],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack a batch and compute its targets y = Proj_C(W* φ) with one batched
    lpgd_go solve. Runs in the DataLoader worker processes when num_workers > 0,
    which is why they are started with "spawn"."""
    phi = torch.stack([p for p, _ in items])
    scores = torch.stack([s for _, s in items])
    P, G, h, A, b = constraints()
    tight = lpgd_go.SolverSettings(tol_feas=1e-10, tol_gap_abs=1e-10, tol_gap_rel=1e-10)
    with torch.no_grad():
        y = lpgd_go.solve_qp(P, -scores, G, h, A, b, settings=tight)
    assert isinstance(y, torch.Tensor)
    return phi, y


class QPModel(nn.Module):
    """MLP → QPLayer projection onto C (as in demo_train.py)."""

    def __init__(self, backward: str | lpgd_go.LPGD) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(N_FEATURES, 32), nn.Tanh(), nn.Linear(32, N_VARS)
        ).double()
        self.layer = lpgd_go.QPLayer(backward=backward)
        for name, t in zip("PGhAb", constraints(), strict=True):
            self.register_buffer(name, t)

    def forward(self, phi: torch.Tensor) -> torch.Tensor:
        r = self.net(phi)
        x = self.layer(self.P, -r, self.G, self.h, self.A, self.b)
        assert isinstance(x, torch.Tensor)
        return x


def setup_distributed() -> tuple[int, int, int]:
    """Join the process group when launched by torchrun; (rank, world size, local world size)."""
    if "RANK" not in os.environ:
        return 0, 1, 1
    # All processes on this machine: keep gloo on the loopback interface (it
    # otherwise binds the address the hostname resolves to).
    if os.environ.get("MASTER_ADDR") in ("127.0.0.1", "localhost") and sys.platform == "linux":
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    dist.init_process_group("gloo")
    return dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_WORLD_SIZE", "1"))


def allreduce_sum_hook(
    state: object, bucket: dist.GradBucket
) -> torch.futures.Future[torch.Tensor]:
    """DDP communication hook: sum the gradients over the processes (no averaging)."""
    fut = dist.all_reduce(bucket.buffer(), async_op=True).get_future()  # type: ignore[union-attr]
    return fut.then(lambda f: f.value()[0])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20, help="optimizer steps")
    ap.add_argument("--world-batch", type=int, default=64, help="global batch size")
    ap.add_argument("--samples", type=int, default=1024, help="training set size")
    ap.add_argument("--workers", type=int, default=1, help="DataLoader workers per process")
    ap.add_argument("--backward", default="kkt", choices=["kkt", "bpqp", "lpgd"])
    ap.add_argument("--threads", type=int, default=0, help="threads per process (0: CPUs/procs)")
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument(
        "--reduce",
        default="sum",
        choices=["sum", "mean"],
        help="sum: loss over the global batch, gradients summed; mean: DDP's default",
    )
    ap.add_argument("--out", type=Path, help="save first-step gradients and final parameters")
    args = ap.parse_args(argv)

    rank, world, local_world = setup_distributed()
    if args.world_batch % world:
        raise SystemExit(f"--world-batch {args.world_batch} is not divisible by {world} processes")
    # Threads: share the machine's CPUs between the processes on it, for Go's
    # batch workers and for torch's intra-op pool alike.
    threads = args.threads or max(1, (os.cpu_count() or 1) // local_world)
    lpgd_go.set_num_threads(threads)
    torch.set_num_threads(threads)

    torch.manual_seed(0)  # the same initial parameters everywhere (DDP also broadcasts rank 0's)
    backward: str | lpgd_go.LPGD = (
        lpgd_go.LPGD(tau=1e-2, side="central") if args.backward == "lpgd" else args.backward
    )
    model: nn.Module = QPModel(backward)
    if world > 1:
        ddp = nn.parallel.DistributedDataParallel(model)
        if args.reduce == "sum":
            ddp.register_comm_hook(None, allreduce_sum_hook)
        model = ddp
    # "sum": each process divides by the global batch, DDP sums; "mean": each
    # process divides by its own batch, DDP averages.
    scale = 1.0 / (args.world_batch if args.reduce == "sum" else args.world_batch // world)

    data = FeatureDataset(args.samples)
    sampler = DistributedSampler(data, world, rank, shuffle=False) if world > 1 else None
    loader: DataLoader[Any] = DataLoader(
        data,
        batch_size=args.world_batch // world,
        sampler=sampler,
        collate_fn=collate_with_targets,
        num_workers=args.workers,
        # Never fork a process that has loaded the Go library: spawn fresh workers.
        multiprocessing_context="spawn" if args.workers > 0 else None,
        persistent_workers=args.workers > 0,
    )
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    first_grads: list[torch.Tensor] = []
    step, t0 = 0, time.perf_counter()
    while step < args.steps:
        for phi, y in loader:
            opt.zero_grad()
            loss = ((model(phi) - y) ** 2).sum() * scale
            loss.backward()  # DDP: gradients summed (averaged) over the processes here
            if step == 0:
                first_grads = [p.grad.detach().clone() for p in model.parameters()]  # type: ignore[union-attr]
            opt.step()
            report = loss.detach().clone()
            if world > 1:
                dist.all_reduce(report)
                if args.reduce == "mean":
                    report /= world
            if rank == 0 and (step % 5 == 0 or step == args.steps - 1):
                print(
                    f"step {step:3d}  loss {report.item():.6f}  ({time.perf_counter() - t0:.1f}s)"
                )
            step += 1
            if step == args.steps:
                break
    if rank == 0:
        print(f"{world} process(es), {threads} thread(s) each, {args.workers} spawn worker(s)")
        if args.out is not None:
            torch.save(
                {
                    "world_size": world,
                    "grads": first_grads,
                    "params": [p.detach().clone() for p in model.parameters()],
                },
                args.out,
            )
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
