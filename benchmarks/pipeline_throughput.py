"""Throughput of the tf.data input pipeline against a plain per-image Pillow loop.

Writes N small PNG patches (default 3000 of 50x50, the size of the IDC histology patches) to a
temporary folder, then measures in one run:

* the tf.data pipeline alone (``make_dataset``, evaluation order, memory cache): its first
  pass (decoding + resizing + filling the cache; the one-time graph build is shown apart) and
  a second, cached pass;
* a plain loop doing the same work per image: open, convert to RGB, resize bilinearly, turn
  into a float32 array.

Numbers depend on the machine and on whatever else runs on it; the load average is printed,
and CPU time per image (all threads of the process) is shown beside the wall-clock rate
because it is much less sensitive to other programs competing for the cores.
Run:  python benchmarks/pipeline_throughput.py [--n 3000] [--image-size 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

from core.datasets.pipeline import make_dataset  # noqa: E402
from core.datasets.spec import DatasetSpec  # noqa: E402
from core.datasets.table import LoadedDataset, finalize  # noqa: E402


def write_patches(root: Path, n: int, size: int, seed: int = 0) -> LoadedDataset:
    """N textured RGB PNG patches in two class folders (1 positive : 3 negative, like IDC)."""
    rng = np.random.default_rng(seed)
    records = []
    for label in ("0", "1"):
        (root / label).mkdir(parents=True, exist_ok=True)
    for i in range(n):
        label = "1" if i % 4 == 0 else "0"
        coarse = rng.integers(120, 256, (size // 5 + 1, size // 5 + 1, 3), dtype=np.uint8)
        base = np.asarray(Image.fromarray(coarse).resize((size, size), Image.BILINEAR))
        noise = rng.integers(-20, 21, base.shape)
        patch = np.clip(base.astype(int) + noise, 0, 255).astype(np.uint8)
        path = root / label / f"patch{i:05d}.png"
        Image.fromarray(patch).save(path)
        records.append({"sample_id": f"{label}/{path.name}", "path": str(path),
                        "raw_label": label})
    spec = DatasetSpec(name="bench", kind="folders", path=str(root), positive_class="1")
    return finalize(spec, pd.DataFrame.from_records(records), where=root)


def pillow_loop(paths: list[str], size: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the plain loop."""
    start, cpu = time.perf_counter(), time.process_time()
    out = []
    for path in paths:
        with Image.open(path) as im:
            rgb = im.convert("RGB").resize((size, size), Image.BILINEAR)
            out.append(np.asarray(rgb, dtype=np.float32))
    assert len(out) == len(paths)
    return time.perf_counter() - start, time.process_time() - cpu


def one_pass(dataset) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of all threads, images) of one pass over the dataset."""
    start, cpu = time.perf_counter(), time.process_time()
    count = sum(int(x.shape[0]) for x, _ in dataset)
    return time.perf_counter() - start, time.process_time() - cpu, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="number of patches")
    parser.add_argument("--patch-size", type=int, default=50, help="side of the PNG patches")
    parser.add_argument("--image-size", type=int, default=50, help="model input side")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lesionlab-bench-") as tmp:
        t0 = time.perf_counter()
        ds = write_patches(Path(tmp), args.n, args.patch_size)
        written = time.perf_counter() - t0
        paths = ds.table["path"].tolist()

        t0 = time.perf_counter()
        dataset = make_dataset(ds, ds.table, image_size=args.image_size,
                               batch_size=args.batch_size, cache=True)
        build = time.perf_counter() - t0
        first, first_cpu, n_first = one_pass(dataset)
        second, second_cpu, n_second = one_pass(dataset)
        assert n_first == n_second == args.n
        loop, loop_cpu = pillow_loop(paths, args.image_size)

    rate = {"first": args.n / first, "second": args.n / second, "pil": args.n / loop}
    cpu_us = {k: v / args.n * 1e6 for k, v in
              (("first", first_cpu), ("second", second_cpu), ("pil", loop_cpu))}
    print(f"{args.n} PNG patches {args.patch_size}x{args.patch_size} -> "
          f"{args.image_size}x{args.image_size}, batch {args.batch_size}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
          f"(written in {written:.1f} s)")
    print(f"tf.data graph build (once)          {build:8.2f} s")
    print("                                      wall images/s   CPU us/image (all threads)")
    print(f"tf.data first pass (decode + cache) {rate['first']:10.0f} {cpu_us['first']:14.0f}")
    print(f"tf.data second pass (cached)        {rate['second']:10.0f} {cpu_us['second']:14.0f}")
    print(f"Pillow per-image loop               {rate['pil']:10.0f} {cpu_us['pil']:14.0f}")
    print(f"ratio first pass / Pillow loop      {rate['first'] / rate['pil']:8.2f} x")
    print(f"ratio cached pass / Pillow loop     {rate['second'] / rate['pil']:8.2f} x")


if __name__ == "__main__":
    main()
