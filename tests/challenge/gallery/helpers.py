"""What the gallery tests read from a page: the list URL, an entry's URL, the ids
listed."""

from django.urls import reverse

LIST = reverse("gallery:list")


def detail_url(entry) -> str:
    return reverse("gallery:detail", kwargs={"pk": entry.pk})


def listed_ids(response) -> list[int]:
    return [entry.pk for entry in response.context["entries"]]
