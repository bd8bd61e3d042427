"""`manage.py seed_demo [--if-empty] [--skus N] [--bins N] [--seed S]`: fill an empty database
with the demo operation of ims/demo/ and print the demo logins (also when --if-empty finds
data, so `make run` always shows them)."""

import random
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ims.demo import DEMO_PASSWORD, DEMO_USERS, STEPS, Demo
from ims.kits.roles import Role
from inventory.models import Sku, Warehouse


def print_logins(out: BaseCommand) -> None:
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[spec.username for spec in DEMO_USERS]
        )
    }
    if not users:
        out.stdout.write("No demo users in this database.")
        return
    out.stdout.write(out.style.MIGRATE_HEADING(f"Demo logins (password for all: {DEMO_PASSWORD})"))
    for spec in DEMO_USERS:
        if spec.username in users:
            where = f" at {', '.join(spec.warehouses)}" if spec.warehouses else ""
            out.stdout.write(f"  {spec.username:<18} {Role(spec.role).label}{where}")
    out.stdout.write("  (demo passwords: change them before any real use)")


class Command(BaseCommand):
    help = "Fill an empty database with a believable demo operation and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the logins) when the database already holds data.",
        )
        parser.add_argument("--skus", type=int, default=500, help="SKUs to create (500).")
        parser.add_argument("--bins", type=int, default=300, help="Bins per warehouse (300).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (42).")

    def handle(self, *args, **options):
        if options["skus"] < 1 or options["bins"] < 1:
            raise CommandError("--skus and --bins must be at least 1.")
        if Warehouse.objects.exists() or Sku.objects.exists():
            if not options["if_empty"]:
                raise CommandError(
                    "The database already holds warehouses or SKUs; seed_demo fills only an "
                    "empty one (use --if-empty to skip quietly)."
                )
            self.stdout.write("Demo data: the database already holds data; nothing added.")
            print_logins(self)
            return
        demo = Demo(
            rng=random.Random(options["seed"]),
            out=self,
            sku_count=options["skus"],
            bins_per_warehouse=options["bins"],
        )
        started = time.perf_counter()
        with transaction.atomic():
            for step in STEPS:
                step_started = time.perf_counter()
                step(demo)
                self.stdout.write(
                    f"  {step.__name__:<20} {time.perf_counter() - step_started:6.2f} s"
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(demo.warehouses)} warehouses, {len(demo.skus)} SKUs, "
                f"{sum(len(b) for b in demo.bins.values())} bins "
                f"in {time.perf_counter() - started:.1f} s."
            )
        )
        print_logins(self)
