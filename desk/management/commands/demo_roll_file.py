"""Drop a demo MIS export into the demo school's nightly import folder (issue 20)."""

from django.core.management.base import BaseCommand, CommandError

from cases.models import RollFeed
from desk.demo.people import assert_not_production
from desk.demo.roll import write_demo_roll_file


class Command(BaseCommand):
    help = "Write a demo pupil export (one pupil added, one moved up a year, one left) into the demo school's MIS folder."

    def handle(self, *args, **options):
        assert_not_production("demo_roll_file")
        feed = RollFeed.objects.select_related("school").order_by("pk").first()
        if feed is None:
            raise CommandError("No school has the nightly import set up: run seed_demo first.")
        path, changes = write_demo_roll_file(feed.school)
        self.stdout.write(f"Wrote {path} for {feed.school.name}.")
        self.stdout.write(f"Adds {changes['added']}; changes {changes['changed']}; marks {changes['left']} as left.")
        self.stdout.write(
            f"The worker reads it at its next look once it has been still for {feed.settle_minutes} minute(s) "
            "(it looks every 10 minutes); then see Pupils > Import pupils."
        )
