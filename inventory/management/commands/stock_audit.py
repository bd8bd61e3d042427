from django.core.management.base import BaseCommand, CommandError

from inventory.audit import stock_drift


class Command(BaseCommand):
    help = (
        "Recompute every BinStock and WarehouseStock from the ledger and open reservations; "
        "print any drift and exit non-zero when there is some."
    )

    def handle(self, *args, **options):
        drift = stock_drift()
        for item in drift:
            self.stdout.write(str(item))
        if drift:
            raise CommandError(f"{len(drift)} balance(s) disagree with the ledger.")
        self.stdout.write(self.style.SUCCESS("Stock balances agree with the ledger."))
