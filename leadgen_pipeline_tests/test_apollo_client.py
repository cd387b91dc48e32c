"""The Apollo client over real HTTP on 127.0.0.1, against the fake Apollo server.

Every behaviour is exercised through a real socket; the fake's request log is the evidence of
what was sent (and, for paid calls, what was never sent).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from leadgen_pipeline.clients.apollo import (
    APOLLO_DISPLAY_CAP,
    BULK_MATCH_PATH,
    SEARCH_PATH,
    ApolloClient,
    ApolloRateLimitExhausted,
    ApolloSearchQuery,
)
from leadgen_pipeline.clients.http import (
    ProviderError,
    RetryPolicy,
    scrub_headers,
    scrub_text,
    send_with_retries,
)
from leadgen_pipeline.layers.raw.apollo_pull import pull_people
from leadgen_pipeline.layers.raw.apollo_queries import plan_queries
from leadgen_pipeline.layers.raw.apollo_records import people_to_canonical
from leadgen_pipeline.layers.raw.canonical import CANONICAL_SCHEMA
from leadgen_pipeline_tests.fakes import FakeClock, Fault
from leadgen_pipeline_tests.fakes.apollo_server import Budgets, FakeApolloServer

KEY = "apollo-test-key-5f2c9e71d0"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def apollo(clock: FakeClock) -> Iterator[FakeApolloServer]:
    with FakeApolloServer(api_key=KEY, size=1200, seed=11, clock=clock) as server:
        yield server


def client_for(
    server: FakeApolloServer,
    clock: FakeClock,
    *,
    key: str = KEY,
    timeout_s: float = 5.0,
    max_attempts: int = 5,
) -> ApolloClient:
    policy = RetryPolicy(max_attempts=max_attempts, rng=random.Random(0))
    return ApolloClient(
        key,
        base_url=server.base_url,
        timeout_s=timeout_s,
        policy=policy,
        sleep=clock.sleep,
        clock=clock,
    )


US_LEADERS = ApolloSearchQuery(locations=("United States",), seniorities=("vp", "director"))


def expected_us_leaders(server: FakeApolloServer) -> list[str]:
    """Brute force over the whole population, independently of the fake's search index."""
    people = (server.person(i) for i in range(server.size))
    return [
        p.id
        for p in people
        if p.location[2] == "United States" and p.seniority in ("vp", "director")
    ]


# --- search ------------------------------------------------------------------------------


def test_paging_collects_exactly_the_filtered_population(
    apollo: FakeApolloServer, clock: FakeClock
) -> None:
    expected = expected_us_leaders(apollo)
    assert 200 < len(expected) < 300  # three pages, the last one short

    with client_for(apollo, clock) as client:
        people = list(client.search_people(US_LEADERS))

    assert [p["id"] for p in people] == expected
    assert client.last_search_total == len(expected)
    assert all("email" not in p and "last_name_obfuscated" in p for p in people)
    sent = apollo.requests_to(SEARCH_PATH)
    assert [r.body["page"] for r in sent] == [1, 2, 3]
    for request in sent:
        assert request.method == "POST"
        assert request.body["per_page"] == 100
        assert request.body["person_locations"] == ["United States"]
        assert request.body["person_seniorities"] == ["vp", "director"]
        assert request.headers["x-api-key"] == "***"  # sent as a header (masked in the log)
        assert KEY not in request.raw_url and not request.query
    assert clock.sleeps == []


def test_paging_stops_at_total_entries_when_the_last_page_is_full(clock: FakeClock) -> None:
    with (
        FakeApolloServer(api_key=KEY, size=1000, clock=clock) as server,
        client_for(server, clock) as client,
    ):
        people = list(client.search_people(ApolloSearchQuery()))
    assert len({p["id"] for p in people}) == 1000
    assert len(server.requests_to(SEARCH_PATH)) == 10  # no eleventh, empty, page


def test_total_entries_is_read_from_the_older_pagination_envelope(clock: FakeClock) -> None:
    with (
        FakeApolloServer(
            api_key=KEY, size=1200, seed=11, clock=clock, legacy_pagination=True
        ) as server,
        client_for(server, clock) as client,
    ):
        expected = expected_us_leaders(server)
        assert client.count_people(US_LEADERS) == len(expected)
        assert [p["id"] for p in client.search_people(US_LEADERS)] == expected
        first = server.requests_to(SEARCH_PATH)[0]
        assert (first.body["page"], first.body["per_page"]) == (1, 1)


def test_a_query_over_the_display_cap_is_split_so_everyone_is_reached(clock: FakeClock) -> None:
    everyone = ApolloSearchQuery()
    with FakeApolloServer(api_key=KEY, size=60_000, seed=3, clock=clock) as server:
        # Unsplit, Apollo shows 500 pages of 100 and nothing after.
        with httpx.Client(base_url=server.base_url, headers={"x-api-key": KEY}) as raw:
            last = raw.post(SEARCH_PATH, json=everyone.to_body(page=500)).json()
            past = raw.post(SEARCH_PATH, json=everyone.to_body(page=501)).json()
        assert last["total_entries"] == 60_000 and len(last["people"]) == 100
        assert past["people"] == []

        with client_for(server, clock) as client:
            planned, warnings = plan_queries(everyone, client.count_people)
            reached = {p["id"] for q in planned for p in client.search_people(q)}

    assert len(planned) == 11 and warnings == []
    assert all(server.count(q.to_body()) <= APOLLO_DISPLAY_CAP for q in planned)
    assert reached == {server.person(i).id for i in range(60_000)}


# --- retries and errors ------------------------------------------------------------------


def test_429_is_retried_after_the_advised_delay(apollo: FakeApolloServer, clock: FakeClock) -> None:
    apollo.script(Fault.status(429, {"message": "slow down"}, headers={"Retry-After": "7"}))
    with client_for(apollo, clock) as client:
        people = list(client.search_people(US_LEADERS))
    assert [p["id"] for p in people] == expected_us_leaders(apollo)
    assert clock.sleeps == [7.0]
    assert [r.status for r in apollo.requests_to(SEARCH_PATH)][:2] == [429, 200]


def test_retry_after_as_an_http_date_is_honoured_and_capped(
    apollo: FakeApolloServer, clock: FakeClock
) -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=12), usegmt=True)
    late = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    apollo.script(
        Fault.status(429, headers={"Retry-After": soon}),
        Fault.status(503, headers={"Retry-After": late}),
    )
    with client_for(apollo, clock) as client:
        assert client.count_people(US_LEADERS) == len(expected_us_leaders(apollo))
    first, second = clock.sleeps
    assert 9.0 <= first <= 12.0  # the date's resolution is one second
    assert second == 30.0  # capped at the policy's max_delay_s


def test_500_then_success_backs_off_with_reproducible_jitter(
    apollo: FakeApolloServer, clock: FakeClock
) -> None:
    apollo.script(Fault.status(500))
    with client_for(apollo, clock) as client:
        total = client.count_people(US_LEADERS)
    assert total == len(expected_us_leaders(apollo))
    expected_delay = RetryPolicy(rng=random.Random(0)).backoff_s(1)
    assert clock.sleeps == [expected_delay]
    assert 0.5 <= expected_delay <= 0.75


def test_persistent_500_fails_clearly_after_max_attempts_without_the_key(
    apollo: FakeApolloServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    echo = f"internal error while serving api_key={KEY} (x-api-key: {KEY})"
    apollo.script(*[Fault.status(500, echo) for _ in range(3)])
    with (
        caplog.at_level(logging.DEBUG),
        client_for(apollo, clock, max_attempts=3) as client,
        pytest.raises(ProviderError) as caught,
    ):
        client.count_people(US_LEADERS)
    error = caught.value
    message = str(error)
    assert error.provider == "apollo" and error.status_code == 500
    assert "failed after 3 attempts" in message
    assert "HTTP 500" in message and SEARCH_PATH in message
    assert "internal error while serving" in message
    assert KEY not in message and KEY not in repr(error.args) and KEY not in (error.body or "")
    assert KEY not in caplog.text and "retrying" in caplog.text
    assert len(apollo.requests_to(SEARCH_PATH)) == 3
    assert len(clock.sleeps) == 2


def test_a_timeout_is_retried(apollo: FakeApolloServer, clock: FakeClock) -> None:
    apollo.script(Fault.hang(1.0, path=SEARCH_PATH))
    with client_for(apollo, clock, timeout_s=0.25) as client:
        people = list(client.search_people(US_LEADERS))
    assert [p["id"] for p in people] == expected_us_leaders(apollo)
    assert len(clock.sleeps) == 1
    assert apollo.requests_to(SEARCH_PATH)[0].scripted


def test_malformed_json_is_a_clear_error(apollo: FakeApolloServer, clock: FakeClock) -> None:
    apollo.script(Fault.malformed_json())
    with client_for(apollo, clock) as client, pytest.raises(ProviderError) as caught:
        list(client.search_people(US_LEADERS))
    assert "not JSON" in str(caught.value) and '{"people": [{"id":' in str(caught.value)


def test_a_wrong_key_fails_at_once_with_a_clear_error(
    apollo: FakeApolloServer, clock: FakeClock
) -> None:
    wrong = "not-the-right-key-0000"
    with client_for(apollo, clock, key=wrong) as client, pytest.raises(ProviderError) as caught:
        client.count_people(US_LEADERS)
    message = str(caught.value)
    assert caught.value.status_code == 401
    assert "HTTP 401" in message and "not retried" in message and SEARCH_PATH in message
    assert "Invalid access credentials" in message
    assert wrong not in message
    assert len(apollo.requests) == 1 and clock.sleeps == []


def test_a_non_master_key_is_refused_naming_the_endpoint(clock: FakeClock) -> None:
    with (
        FakeApolloServer(api_key=KEY, clock=clock, master_key=False) as server,
        client_for(server, clock) as client,
        pytest.raises(ProviderError) as caught,
    ):
        client.count_people(US_LEADERS)
    assert caught.value.status_code == 403
    assert "mixed_people/api_search" in str(caught.value)
    assert "master API key is required" in str(caught.value)
    assert len(server.requests) == 1


# --- bulk_match and credits --------------------------------------------------------------


def test_bulk_match_sends_at_most_ten_per_call_and_counts_credits(
    apollo: FakeApolloServer, clock: FakeClock
) -> None:
    ids = [apollo.person(i).id for i in range(25)]
    unknown = [f"{apollo.seed:08x}{10**9:016x}", "not-an-apollo-id"]
    with client_for(apollo, clock) as client:
        matches = client.bulk_match([*ids, *unknown, *ids[:5]])
    assert [m["id"] for m in matches] == ids
    assert any(m["email"] for m in matches)
    sent = apollo.requests_to(BULK_MATCH_PATH)
    assert [len(r.body["details"]) for r in sent] == [10, 10, 7]
    assert all(r.body["reveal_personal_emails"] is False for r in sent)
    sent_ids = [d["id"] for r in sent for d in r.body["details"]]
    assert len(sent_ids) == len(set(sent_ids))  # duplicates are not paid for twice
    assert client.credits_spent == apollo.credits_charged == 25
    assert client.missing_records == 2


def test_the_fake_refuses_more_than_ten_details(apollo: FakeApolloServer) -> None:
    details = [{"id": apollo.person(i).id} for i in range(11)]
    with httpx.Client(base_url=apollo.base_url, headers={"x-api-key": KEY}) as raw:
        response = raw.post(BULK_MATCH_PATH, json={"details": details})
    assert response.status_code == 422


def test_credits_are_counted_when_the_response_omits_them(clock: FakeClock) -> None:
    with FakeApolloServer(api_key=KEY, clock=clock, report_credits=False) as server:
        with client_for(server, clock) as client:
            matches = client.bulk_match([server.person(i).id for i in range(12)])
        assert "credits_consumed" not in str(server.requests_to(BULK_MATCH_PATH)[0].body)
    assert client.credits_spent == len(matches) == 12


def test_revealed_people_map_to_the_canonical_shape(
    apollo: FakeApolloServer, clock: FakeClock
) -> None:
    with client_for(apollo, clock) as client:
        matches = client.bulk_match([apollo.person(i).id for i in range(4)])
    frame = people_to_canonical(
        matches, snapshot_id="s1", pulled_at=datetime.now(UTC), consent_basis="legit"
    )
    assert dict(frame.schema) == CANONICAL_SCHEMA
    assert frame.get_column("source_record_id").to_list() == [m["id"] for m in matches]
    assert frame.get_column("country").to_list() == [
        {"United States": "US", "United Kingdom": "GB", "Germany": "DE"}[m["country"]]
        for m in matches
    ]
    assert frame.get_column("company_domain").to_list() == [
        m["organization"]["primary_domain"] for m in matches
    ]


# --- rate limits -------------------------------------------------------------------------


def test_an_exhausted_minute_budget_makes_the_client_sleep_until_reset(
    clock: FakeClock,
) -> None:
    with (
        FakeApolloServer(api_key=KEY, size=550, clock=clock, budgets=Budgets(minute=3)) as server,
        client_for(server, clock) as client,
    ):
        people = list(client.search_people(ApolloSearchQuery()))
    assert len(people) == 550
    statuses = [r.status for r in server.requests_to(SEARCH_PATH)]
    assert statuses == [200] * 6  # the budget was waited out, never overrun
    assert clock.sleeps == [61.0]  # one full window (plus a second's margin) after its start


def test_a_429_from_a_window_spent_elsewhere_waits_for_the_reset(clock: FakeClock) -> None:
    with FakeApolloServer(api_key=KEY, size=300, clock=clock, budgets=Budgets(minute=2)) as server:
        with client_for(server, clock) as other:
            other.count_people(ApolloSearchQuery())
            other.count_people(ApolloSearchQuery())
        with client_for(server, clock) as client:
            total = client.count_people(ApolloSearchQuery())
        statuses = [r.status for r in server.requests_to(SEARCH_PATH)]
    assert total == 300
    assert statuses == [200, 200, 429, 200]
    assert clock.sleeps == [30.0]  # the window's end, capped at max_delay_s


def test_an_exhausted_daily_budget_stops_with_a_clear_error(clock: FakeClock) -> None:
    budgets = Budgets(minute=None, hourly=None, daily=2)
    with FakeApolloServer(api_key=KEY, size=900, clock=clock, budgets=budgets) as server:
        with client_for(server, clock) as client, pytest.raises(ApolloRateLimitExhausted) as first:
            list(client.search_people(ApolloSearchQuery()))
        assert len(server.requests_to(SEARCH_PATH)) == 2  # the third call was never sent
        with client_for(server, clock) as fresh, pytest.raises(ApolloRateLimitExhausted):
            fresh.count_people(ApolloSearchQuery())
        assert [r.status for r in server.requests_to(SEARCH_PATH)] == [200, 200, 429]
    message = str(first.value)
    assert "daily request budget" in message and SEARCH_PATH in message
    assert "2 requests per day" in message
    assert clock.sleeps == []


# --- the paid pull -----------------------------------------------------------------------


def test_pull_never_pays_for_disqualified_titles_or_people_already_revealed(
    apollo: FakeApolloServer, clock: FakeClock
) -> None:
    us = ApolloSearchQuery(locations=("United States",), seniorities=("entry", "vp"))
    california = ApolloSearchQuery(locations=("California",), seniorities=("entry", "vp"))
    with client_for(apollo, clock) as client:
        us_people = list(client.search_people(us))
        ca_people = list(client.search_people(california))
    apollo.clear_log()
    interns = {p["id"] for p in us_people if "Intern" in p["title"]}
    earlier = [p["id"] for p in us_people if p["id"] not in interns][:30]
    assert interns and set(p["id"] for p in ca_people) <= {p["id"] for p in us_people}

    with client_for(apollo, clock) as client:
        pull = pull_people(
            client,
            [us, california],
            disqualifier_titles=("intern",),
            already_revealed=set(earlier),
            max_records=None,
        )

    sent = apollo.requests_to(BULK_MATCH_PATH)
    sent_ids = [d["id"] for r in sent for d in r.body["details"]]
    assert all(len(r.body["details"]) <= 10 for r in sent)
    assert not set(sent_ids) & interns
    assert not set(sent_ids) & set(earlier)
    assert len(sent_ids) == len(set(sent_ids))
    expected = [p["id"] for p in us_people if p["id"] not in interns and p["id"] not in earlier]
    assert sent_ids == expected
    assert [m["id"] for m in pull.matches] == expected
    assert pull.searched == len(us_people) + len(ca_people)
    assert pull.skipped_duplicates == len(ca_people)
    assert pull.skipped_disqualified == len(interns)
    assert pull.skipped_already_revealed == 30
    assert pull.credits_spent == apollo.credits_charged == len(expected)
    assert pull.warnings == []


def test_pull_stops_searching_and_paying_at_max_records(
    apollo: FakeApolloServer, clock: FakeClock
) -> None:
    batches: list[int] = []
    with client_for(apollo, clock) as client:
        pull = pull_people(
            client,
            [US_LEADERS, ApolloSearchQuery(locations=("Germany",))],
            disqualifier_titles=(),
            already_revealed=set(),
            max_records=15,
            on_revealed=lambda matches: batches.append(len(matches)),
        )
    assert len(pull.matches) == 15 and batches == [10, 5]
    assert len(apollo.requests_to(SEARCH_PATH)) == 1  # one page was enough
    assert pull.credits_spent == 15
    assert any("max_records=15" in w for w in pull.warnings)


# --- the shared retry policy, in isolation -----------------------------------------------


def test_send_with_retries_retries_transport_errors_and_scrubs_keys_from_urls() -> None:
    calls: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        raise httpx.ConnectError(f"connection refused to {request.url}", request=request)

    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts=3, base_delay_s=1.0, rng=random.Random(42))
    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        request = client.build_request(
            "GET",
            "https://verifier.invalid/v4/check",
            params={"key": "s3cr3t-key", "email": "a@b.c"},
        )
        with pytest.raises(ProviderError) as caught:
            send_with_retries(client, request, policy, sleeps.append, provider="verifier")
    assert len(calls) == 3
    replay = RetryPolicy(max_attempts=3, base_delay_s=1.0, rng=random.Random(42))
    assert sleeps == [replay.backoff_s(1), replay.backoff_s(2)]
    assert "s3cr3t-key" not in str(caught.value)
    assert "key=***" in str(caught.value) and "ConnectError" in str(caught.value)


def test_scrubbing_covers_headers_json_and_bearer_tokens() -> None:
    text = (
        'GET /x?api_key=abc123&page=2 Authorization: Bearer tok-999 {"x-api-key": "k-777"} '
        "monkey=banana"
    )
    scrubbed = scrub_text(text)
    for secret in ("abc123", "tok-999", "k-777"):
        assert secret not in scrubbed
    assert "page=2" in scrubbed and "monkey=banana" in scrubbed
    assert scrub_headers({"X-Api-Key": "k", "Accept": "json"}) == {
        "X-Api-Key": "***",
        "Accept": "json",
    }
