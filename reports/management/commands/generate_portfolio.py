"""``manage.py generate_portfolio --programmes 200 --seed 1``: a synthetic portfolio for load tests."""

from django.core.management.base import BaseCommand, CommandError

from reports.synthetic import generate_portfolio


class Command(BaseCommand):
    help = "Create a realistic synthetic portfolio (programmes, partners, budgets, work plans, progress)."

    def add_arguments(self, parser):
        parser.add_argument("--programmes", type=int, required=True, help="How many programmes to create.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same portfolio (default 1).")
        parser.add_argument(
            "--donor",
            default="GEN-DONOR",
            help="Acronym of the donor organisation taking part in every programme.",
        )

    def handle(self, *args, programmes: int, seed: int, donor: str, **options):
        if programmes < 1:
            raise CommandError("--programmes must be at least 1.")
        counts = generate_portfolio(programmes=programmes, seed=seed, donor=donor)
        for model, n in sorted(counts.items()):
            self.stdout.write(f"  {model}: {n}")
        self.stdout.write(self.style.SUCCESS(f"Generated {programmes} programmes (seed {seed})."))
