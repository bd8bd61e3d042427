"""Run every benchmark module in bench/ (or the ones named on the command line). A module that
fails prints its traceback and the rest still run; the exit status says whether any failed.
Options after the names (`python -m bench imports --plain-rows 5000`) are left in sys.argv for
the modules to read."""

import importlib
import itertools
import pkgutil
import sys
import time
import traceback

import bench


def main(argv: list[str]) -> int:
    names = list(itertools.takewhile(lambda arg: not arg.startswith("-"), argv)) or sorted(
        info.name for info in pkgutil.iter_modules(bench.__path__) if not info.name.startswith("_")
    )
    bench.setup()
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        title = (module.__doc__ or name).strip().splitlines()[0]
        print(f"\n== {name}: {title}", flush=True)
        started = time.perf_counter()
        try:
            module.run()
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"({name} took {time.perf_counter() - started:.0f}s)", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
