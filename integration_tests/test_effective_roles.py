"""user_effective_roles against Keycloak's own per-user answer: for every user of the
test realm (and the service-account users, which hold roles too), the set of effective
role names in the stream equals /users/{id}/role-mappings/realm/composite plus
/users/{id}/role-mappings/clients/{client}/composite for every client. The per-grant
ground truth (an independent per-user computation) is compared by
test_read_matches_ground_truth in test_acceptance.py."""

from kc_helpers import effective_role_names_per_user


def test_effective_role_names_equal_keycloaks_composite_answer(full_read, admin):
    records = [r["data"] for r in full_read.records("user_effective_roles")]
    assert records, "the stream has records"
    got: dict[str, set] = {}
    for rec in records:
        got.setdefault(rec["user_id"], set()).add(
            (rec["clientId"] if rec["client_role"] else None, rec["role_name"]))
    user_ids = {u["id"] for u in admin.users()} | set(got)
    want = effective_role_names_per_user(admin, sorted(user_ids))
    problems = []
    for uid in sorted(user_ids):
        # A user with no role at all has no record; Keycloak answers an empty set.
        if got.get(uid, set()) != want[uid]:
            problems.append(f"user {uid}: missing {sorted(want[uid] - got.get(uid, set()), key=str)[:5]}, "
                            f"extra {sorted(got.get(uid, set()) - want[uid], key=str)[:5]}")
    assert not problems, f"{len(problems)} users differ:\n" + "\n".join(problems[:10])


def test_disabled_users_are_listed_and_flagged(full_read, admin):
    disabled = {u["id"] for u in admin.users() if not u.get("enabled", True)}
    assert disabled, "the test realm has disabled users"
    records = [r["data"] for r in full_read.records("user_effective_roles")]
    flagged = {r["user_id"] for r in records if r["user_enabled"] is False}
    assert disabled <= {r["user_id"] for r in records}, "disabled users keep their roles"
    assert flagged == disabled
