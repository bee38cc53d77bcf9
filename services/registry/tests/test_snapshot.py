"""The planning snapshot: contents, privacy, scoping and the planned mark."""

from __future__ import annotations

from flask.testing import FlaskClient

from .conftest import World


def _url(
    world: World, *communities: str, start: str = "2026-03-01", end: str = "2026-03-31"
) -> str:
    ids = "&".join(f"community_id={world.ids[c]}" for c in communities)
    return f"/snapshot?{ids}&start={start}&end={end}"


def test_snapshot_contents(client: FlaskClient, world: World) -> None:
    client.post(
        f"/activities/{world.ids['activity']}/generate-shifts",
        json={"start_date": "2026-03-01", "end_date": "2026-03-31"},
        headers=world.h("admin"),
    )
    answer = client.get(_url(world, "A"), headers=world.h("service"))
    assert answer.status_code == 200, answer.json
    snap = answer.json
    assert snap["snapshot_at"]
    communities = {c["id"]: c for c in snap["communities"]}
    assert set(communities) == {world.ids["A"], world.ids["B"]}  # B is paired with A
    assert communities[world.ids["A"]]["requested"] is True
    assert communities[world.ids["B"]]["requested"] is False
    volunteer_ids = {v["id"] for v in snap["volunteers"]}
    assert volunteer_ids == {world.ids["va1"], world.ids["va2"], world.ids["vb1"]}
    for volunteer in snap["volunteers"]:
        assert "phone" not in volunteer and "id_number" not in volunteer
        assert "contact_channels" not in volunteer
    assert "13812345678" not in answer.get_data(as_text=True)
    assert [v["name"] for v in snap["venues"]] == ["幸福邻里中心"]
    assert snap["venues"][0]["rooms"][0]["name"] == "四点半课堂"
    assert len(snap["shifts"]) == 8  # Mondays and Wednesdays, 2 to 29 March 2026
    first = snap["shifts"][0]
    assert first["activity"]["requires_vetting"] is True
    assert first["needs"] == [{"skill": "tutor", "min": 2, "max": 3}]
    assert [t["code"] for t in snap["activity_types"]] == ["after_school"]
    planned = client.get("/shifts?planned=true&page_size=100", headers=world.h("admin")).json
    assert len(planned) == 8


def test_snapshot_leaves_out_inactive_and_cancelled(client: FlaskClient, world: World) -> None:
    client.post(
        f"/activities/{world.ids['activity']}/generate-shifts",
        json={"start_date": "2026-03-01", "end_date": "2026-03-31"},
        headers=world.h("admin"),
    )
    shifts = client.get("/shifts?page_size=100", headers=world.h("admin")).json
    client.post(f"/shifts/{shifts[0]['id']}/cancel", headers=world.h("admin"))
    client.patch(
        f"/volunteers/{world.ids['va2']}", json={"active": False}, headers=world.h("admin")
    )
    snap = client.get(_url(world, "A") + "&mark_planned=false", headers=world.h("admin")).json
    assert len(snap["shifts"]) == 7
    assert world.ids["va2"] not in {v["id"] for v in snap["volunteers"]}
    assert client.get("/shifts?planned=true", headers=world.h("admin")).json == []


def test_snapshot_scoping(client: FlaskClient, world: World) -> None:
    assert client.get(_url(world, "A"), headers=world.h("coord_a")).status_code == 200
    assert client.get(_url(world, "A", "C"), headers=world.h("coord_a")).status_code == 404
    assert client.get(_url(world, "C"), headers=world.h("coord_b")).status_code == 404
    assert client.get(_url(world, "A"), headers=world.h("vol_a1")).status_code == 403
    bad = client.get(
        _url(world, "A", start="2026-03-31", end="2026-03-01"), headers=world.h("admin")
    )
    assert bad.status_code == 422
    assert (
        client.get(
            "/snapshot?start=2026-03-01&end=2026-03-02", headers=world.h("admin")
        ).status_code
        == 422
    )
    missing = client.get(
        "/snapshot?community_id=999&start=2026-03-01&end=2026-03-02", headers=world.h("admin")
    )
    assert missing.status_code == 404
