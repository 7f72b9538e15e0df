"""CPU time per request of the load section's busiest reads, measured in one process.

The machine the load section runs on is shared, so requests per second under wrk move with
the neighbours; the CPU time a request costs the application does much less. This sends N
requests of each workload through Django's test client with the production settings (DEBUG
off, bench/settings.py) against the database of DATABASE_URL and prints the process's CPU
time per request, the wall time and the queries of one request. `--profile NAME` prints
cProfile's view (CPU time) of one workload instead; `--save DIR` keeps each answer, to
compare two versions of the code byte for byte.

    DATABASE_URL=postgres://…/city REDIS_URL=redis://…/13 .venv/bin/python bench/cpu.py 200
    … bench/cpu.py 200 --only c --profile c

Workloads (bench/load.py, as the city office `u_city_office`): a = the open-issue list API,
b = one issue with its events and photos (the issue with the most events), c = the open-issue
list page; f and g = the bare DRF and Django views of bench/urls.py (the floors).
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=200, help="requests per workload")
    parser.add_argument("--only", default="abcfg", help="workloads, e.g. ac")
    parser.add_argument("--profile", help="one workload to profile instead of timing")
    parser.add_argument("--save", help="a folder for each workload's answer")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from bench.load import city_office
    from issues.models import IssueEvent

    office = city_office()
    token = Token.objects.get_or_create(user=office)[0].key
    issue_id = (IssueEvent.objects.values("issue").annotate(n=Count("pk"))
                .order_by("-n", "issue").values_list("issue", flat=True).first())
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    page = Client()
    page.force_login(office)
    workloads = {"a": (api, "/api/v1/issues/?open=true"),
                 "b": (api, f"/api/v1/issues/{issue_id}/"),
                 "c": (page, "/issues/?open=true"),
                 "f": (api, "/__bench__/bare-api/"),
                 "g": (page, "/__bench__/bare/")}
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    for name in args.only:
        client, url = workloads[name]
        for _ in range(10):  # warm-up: per-process caches, the kept list count
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        if args.save:
            Path(args.save).mkdir(parents=True, exist_ok=True)
            (Path(args.save) / f"{name}.out").write_bytes(response.content)
        queries.clear()
        with connection.execute_wrapper(count):
            client.get(url)
        if args.profile == name:
            import cProfile
            import pstats

            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(args.n):
                client.get(url)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(80)
            continue
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(args.n):
            client.get(url)
        cpu = (time.process_time() - cpu) / args.n * 1000
        wall = (time.perf_counter() - wall) / args.n * 1000
        print(f"{name} {url}: CPU {cpu:.2f} ms a request, wall {wall:.2f} ms, "
              f"{len(queries)} queries, {len(response.content):,} bytes", flush=True)


if __name__ == "__main__":
    main()
