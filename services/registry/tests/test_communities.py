"""Communities, pairings, grids and venues: CRUD, validation, scoping, ETags, events."""

from __future__ import annotations

from flask.testing import FlaskClient

from .conftest import World, outbox_rows


def test_admin_creates_reads_updates_and_deletes_a_community(
    client: FlaskClient, world: World
) -> None:
    created = client.post(
        "/communities", json={"code": "D", "name": "新社区"}, headers=world.h("admin")
    )
    assert created.status_code == 201, created.json
    cid = created.json["id"]
    assert created.json["calendar_region"] == "CN"
    read = client.get(f"/communities/{cid}", headers=world.h("admin"))
    etag = read.headers["ETag"]
    changed = client.patch(
        f"/communities/{cid}",
        json={"name": "新新社区"},
        headers=world.h("admin", **{"If-Match": etag}),
    )
    assert changed.status_code == 200 and changed.json["name"] == "新新社区"
    assert changed.headers["ETag"] != etag
    stale = client.patch(
        f"/communities/{cid}", json={"name": "旧"}, headers=world.h("admin", **{"If-Match": etag})
    )
    assert stale.status_code == 412
    assert client.get(f"/communities/{cid}", headers=world.h("admin")).json["name"] == "新新社区"
    assert client.delete(f"/communities/{cid}", headers=world.h("admin")).status_code == 204
    assert client.get(f"/communities/{cid}", headers=world.h("admin")).status_code == 404


def test_duplicate_code_is_422(client: FlaskClient, world: World) -> None:
    answer = client.post("/communities", json={"code": "A", "name": "x"}, headers=world.h("admin"))
    assert answer.status_code == 422
    assert "code" in answer.json["errors"]["json"]


def test_mass_assignment_is_refused_and_names_fields(client: FlaskClient, world: World) -> None:
    before = len(outbox_rows(world.app))
    answer = client.post(
        "/communities",
        json={"code": "E", "name": "x", "id": 77, "role": "admin", "foo": 1},
        headers=world.h("admin"),
    )
    assert answer.status_code == 422
    assert set(answer.json["errors"]["json"]) == {"id", "role", "foo"}
    listing = client.get("/communities?code=E", headers=world.h("admin")).json
    assert listing == []
    assert len(outbox_rows(world.app)) == before


def test_coordinator_sees_only_own_community(client: FlaskClient, world: World) -> None:
    listing = client.get("/communities", headers=world.h("coord_a"))
    assert [c["id"] for c in listing.json] == [world.ids["A"]]
    other = client.get(f"/communities/{world.ids['C']}", headers=world.h("coord_a"))
    assert other.status_code == 404
    assert (
        client.patch(
            f"/communities/{world.ids['C']}", json={"name": "x"}, headers=world.h("coord_a")
        ).status_code
        == 404
    )
    own = client.get(f"/communities/{world.ids['A']}", headers=world.h("coord_a")).json
    assert own["pairings"] == [{"partner_id": world.ids["B"], "kind": "结对共建"}]


def test_coordinator_and_volunteer_may_not_create_communities(
    client: FlaskClient, world: World
) -> None:
    for who in ("coord_a", "vol_a1", "service"):
        answer = client.post("/communities", json={"code": "X", "name": "x"}, headers=world.h(who))
        assert answer.status_code == 403, who


def test_pairing_is_symmetric(client: FlaskClient, world: World) -> None:
    a, c = world.ids["A"], world.ids["C"]
    answer = client.post(
        f"/communities/{c}/pairings",
        json={"partner_id": a, "kind": "友好社区"},
        headers=world.h("admin"),
    )
    assert answer.status_code == 201
    pairs = client.get(f"/communities/{a}/pairings", headers=world.h("admin")).json
    assert {"partner_id": c, "kind": "友好社区"} in pairs
    assert (
        client.delete(f"/communities/{a}/pairings/{c}", headers=world.h("admin")).status_code == 204
    )
    pairs = client.get(f"/communities/{c}/pairings", headers=world.h("admin")).json
    assert pairs == []


def test_pagination_limits(client: FlaskClient, world: World) -> None:
    answer = client.get("/communities?page=1&page_size=2", headers=world.h("admin"))
    assert answer.status_code == 200 and len(answer.json) == 2
    assert '"total": 3' in answer.headers["X-Pagination"]
    for query in ("page_size=201", "page_size=0", "page=-1", "page=abc", "page_size=10000000000"):
        assert client.get(f"/communities?{query}", headers=world.h("admin")).status_code == 422
    far = client.get("/communities?page=99999999999999", headers=world.h("admin"))
    assert far.status_code == 200 and far.json == []


def test_grid_crud_and_scope(client: FlaskClient, world: World) -> None:
    a, c = world.ids["A"], world.ids["C"]
    created = client.post(
        "/grids",
        json={"community_id": a, "name": "二网格", "households": 350},
        headers=world.h("coord_a"),
    )
    assert created.status_code == 201
    assert (
        client.post(
            "/grids", json={"community_id": c, "name": "x"}, headers=world.h("coord_a")
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/grids", json={"community_id": 9999, "name": "x"}, headers=world.h("admin")
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/grids",
            json={"community_id": a, "name": "x", "households": -1},
            headers=world.h("admin"),
        ).status_code
        == 422
    )
    gid = created.json["id"]
    assert client.get(f"/grids/{gid}", headers=world.h("coord_b")).status_code == 404
    names = [
        g["name"] for g in client.get(f"/grids?community_id={a}", headers=world.h("coord_a")).json
    ]
    assert names == ["一网格", "二网格"]
    assert (
        client.delete(f"/grids/{world.ids['grid']}", headers=world.h("coord_a")).status_code == 409
    )
    assert client.delete(f"/grids/{gid}", headers=world.h("coord_a")).status_code == 204


def test_venue_rooms_hours_and_coordinates(client: FlaskClient, world: World) -> None:
    a = world.ids["A"]
    body = {
        "community_id": a,
        "name": "党群服务中心",
        "kind": "party_service_centre",
        "lat": 30.66,
        "lon": 104.06,
        "opening_hours": [{"weekday": 0, "open": "08:30", "close": "20:00"}],
        "rooms": [{"name": "书吧", "kind": "reading", "capacity": 20}],
    }
    created = client.post("/venues", json=body, headers=world.h("coord_a"))
    assert created.status_code == 201, created.json
    vid = created.json["id"]
    room_id = created.json["rooms"][0]["id"]
    changed = client.patch(
        f"/venues/{vid}",
        json={"rooms": [{"name": "书吧", "capacity": 25}, {"name": "舞蹈室", "capacity": 15}]},
        headers=world.h("coord_a"),
    )
    assert changed.status_code == 200, changed.json
    rooms = {r["name"]: r for r in changed.json["rooms"]}
    assert rooms["书吧"]["id"] == room_id and rooms["书吧"]["capacity"] == 25
    for bad in (
        {"lat": 91},
        {"lon": -181},
        {"lat": 10, "lon": None},
        {"opening_hours": [{"weekday": 7, "open": "08:00", "close": "09:00"}]},
        {"opening_hours": [{"weekday": 1, "open": "10:00", "close": "09:00"}]},
        {"after_school_start": "25:00"},
    ):
        answer = client.patch(f"/venues/{vid}", json=bad, headers=world.h("coord_a"))
        assert answer.status_code == 422, bad
    assert client.get(f"/venues/{vid}", headers=world.h("vol_a1")).status_code == 200
    assert (
        client.patch(f"/venues/{vid}", json={"name": "x"}, headers=world.h("vol_a1")).status_code
        == 403
    )
    assert client.post("/venues", json=body, headers=world.h("vol_a1")).status_code == 403
    assert (
        client.get(f"/venues/{world.ids['venue_c']}", headers=world.h("coord_a")).status_code == 404
    )
