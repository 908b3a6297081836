-- Enabled users older than the window (var keycloak_dormant_days) with no known login in
-- it. `uncertain` says when the event history cannot prove the absence, and
-- `uncertain_because` why: events off, LOGIN not recorded, events expiring within the
-- window, or synced only from later than the window's start.
{% set window_start = kc_window_start_ms('keycloak_dormant_days') %}
with candidates as (
    select
        l.*,
        {{ kc_history_gap('h', 'records_login', 'LOGIN', window_start) }} as gap
    from {{ ref('last_login') }} l
    left join {{ ref('stg_keycloak__event_history') }} h on h.realm = l.realm
    where l.enabled
      and l.created_ms < {{ window_start }}
      and (l.last_login_ms is null or l.last_login_ms < {{ window_start }})
)
select
    user_key,
    realm,
    user_id,
    username,
    created_at,
    last_login_at,
    last_login_source,
    last_login_ms is null as never_logged_in,
    cast({{ var('keycloak_dormant_days') | float }} as numeric) as window_days,
    gap is not null as uncertain,
    gap as uncertain_because
from candidates
