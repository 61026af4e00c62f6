"""A moderator's decision racing the participant's account deletion: the
moderator's request saw the entry, the deletion commits while the decision waits
for the entry's row lock. Found by bench/chaos.py's leavers (a 500 on "Approve &
next"); here on PostgreSQL, with the deletion's transaction really holding the lock."""

import threading
import time
from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.db import connections, transaction
from django.test import Client
from django.urls import reverse

from challenge.models import Entry
from challenge.services.privacy import account_delete
from tests.challenge.factories import make_entry, make_user


@pytest.mark.services
@pytest.mark.parametrize(
    "url_name", ["admin:challenge_entry_decide", "admin:challenge_entry_desk_decide"]
)
def test_a_decision_on_an_entry_deleted_meanwhile_says_so(
    postgres_db, transactional_db, url_name
):
    moderator = make_user(moderator=True)
    entry = make_entry()
    locked, release = threading.Event(), threading.Event()

    def delete_the_account():
        try:
            with transaction.atomic():
                Entry.objects.select_for_update().get(pk=entry.pk)
                locked.set()
                release.wait(timeout=20)
                time.sleep(0.5)  # the decision is waiting on the row lock now
                account_delete(user=entry.participant.user)
        finally:
            connections.close_all()

    deleting = threading.Thread(target=delete_the_account)
    deleting.start()
    assert locked.wait(timeout=10)
    client = Client()
    client.force_login(moderator)
    release.set()
    response = client.post(
        reverse(url_name, args=[entry.pk]), {"decision": "approve_next"}
    )
    deleting.join(timeout=30)
    assert response.status_code == HTTPStatus.FOUND
    assert not Entry.objects.filter(pk=entry.pk).exists()
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("was deleted meanwhile" in message for message in shown), shown
