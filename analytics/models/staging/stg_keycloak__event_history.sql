-- Per realm, how far back the login events reach: whether Keycloak records them, how long
-- it keeps them, and the oldest one synced. Answers built on events are only as complete
-- as this history.
with oldest as (
    select realm, min(time_ms) as oldest_event_ms, count(*) as events
    from {{ ref('stg_keycloak__events') }}
    group by realm
)
select
    r.realm,
    coalesce(r.events_enabled, false) as events_enabled,
    {{ kc_records_event_type('r.enabled_event_types', 'LOGIN') }} as records_login,
    {{ kc_records_event_type('r.enabled_event_types', 'CLIENT_LOGIN') }} as records_client_login,
    r.events_expiration_seconds,
    o.oldest_event_ms,
    coalesce(o.events, 0) as events
from {{ ref('stg_keycloak__realms') }} r
left join oldest o on o.realm = r.realm
