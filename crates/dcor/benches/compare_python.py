"""Side-by-side timing of dCor² (V-statistic) in PyTorch and Python `dcor`, to put next to
`cargo bench -p pdc-dcor --bench dcor` (same shapes: n x 512 float32, standard normal; 2 threads).

    OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 python crates/dcor/benches/compare_python.py [--n 256,1024,2048,4096]

Needs torch, numpy and dcor. Prints a Markdown table of median seconds.
"""
import argparse
import os
import statistics
import time

import numpy as np
import torch

D = 512


def dcor_sqr_from_dist(a, b):
    A = a - a.mean(0, keepdim=True) - a.mean(1, keepdim=True) + a.mean()
    B = b - b.mean(0, keepdim=True) - b.mean(1, keepdim=True) + b.mean()
    return (A * B).mean() / ((A * A).mean() * (B * B).mean()).sqrt()


def cdist_form(x, y):
    return dcor_sqr_from_dist(torch.cdist(x, x), torch.cdist(y, y))


def official_broadcast_form(x, y):
    # Partial_Distance_Correlation/Partial_DC.py `Distance_Correlation`, without row normalisation.
    a = torch.sqrt(torch.sum((x[None, :, :] - x[:, None, :]) ** 2, dim=-1) + 1e-12)
    b = torch.sqrt(torch.sum((y[None, :, :] - y[:, None, :]) ** 2, dim=-1) + 1e-12)
    A = a - a.mean(0, keepdim=True) - a.mean(1, keepdim=True) + a.mean()
    B = b - b.mean(0, keepdim=True) - b.mean(1, keepdim=True) + b.mean()
    return (A * B).mean() / torch.sqrt((A * A).mean() * (B * B).mean() + 1e-9)


def gram_floor(x, y):
    return x @ x.T, y @ y.T


def timeit(fn, reps):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", default="256,1024,2048,4096")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--max-broadcast-n", type=int, default=1024, help="n x n x d floats: 2048 needs 8.6 GB")
    p.add_argument("--max-dcor-n", type=int, default=2048)
    args = p.parse_args()
    torch.set_num_threads(2)
    import dcor

    print(f"torch {torch.__version__}, dcor {dcor.__version__}, threads {torch.get_num_threads()}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    print("| n | Gram floor | torch.cdist fwd | torch.cdist fwd+bwd | official broadcast fwd | official fwd+bwd | dcor (numpy f64) |")
    print("|---|---|---|---|---|---|---|")
    for n in [int(v) for v in args.n.split(",")]:
        g = torch.Generator().manual_seed(n)
        x = torch.randn(n, D, generator=g)
        y = torch.randn(n, D, generator=g)

        def fwd(form):
            with torch.no_grad():
                return form(x, y).item()

        def fwd_bwd(form):
            xg = x.clone().requires_grad_(True)
            form(xg, y).backward()
            return xg.grad

        row = [timeit(lambda: gram_floor(x, y), args.reps),
               timeit(lambda: fwd(cdist_form), args.reps),
               timeit(lambda: fwd_bwd(cdist_form), args.reps)]
        if n <= args.max_broadcast_n:
            row += [timeit(lambda: fwd(official_broadcast_form), max(1, args.reps // 2)),
                    timeit(lambda: fwd_bwd(official_broadcast_form), max(1, args.reps // 2))]
        else:
            row += [float("nan"), float("nan")]
        if n <= args.max_dcor_n:
            xn, yn = x.double().numpy(), y.double().numpy()
            row.append(timeit(lambda: dcor.distance_correlation_sqr(xn, yn), max(1, args.reps // 2)))
        else:
            row.append(float("nan"))
        cells = ["—" if np.isnan(v) else f"{v:.4f}" for v in row]
        print(f"| {n} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
