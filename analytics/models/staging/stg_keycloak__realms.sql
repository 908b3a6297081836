-- One row per realm read: the settings the answers depend on (event retention, lockout).
select
    {{ kc_col('realm') }} as realm,
    {{ kc_col('id') }} as realm_id,
    {{ kc_untyped_bool(kc_col('eventsEnabled')) }} as events_enabled,
    {{ kc_untyped_int(kc_col('eventsExpiration')) }} as events_expiration_seconds,
    {{ kc_untyped_bool(kc_col('adminEventsEnabled')) }} as admin_events_enabled,
    {{ kc_untyped_int(kc_col('adminEventsExpiration')) }} as admin_events_expiration_seconds,
    {{ kc_untyped_bool(kc_col('bruteForceProtected')) }} as brute_force_protected,
    {{ kc_untyped_bool(kc_col('permanentLockout')) }} as permanent_lockout,
    -- the event types the realm records; null or empty: Keycloak's defaults (all of them)
    cast({{ kc_col('enabledEventTypes') }} as {{ dbt.type_string() }}) as enabled_event_types
from {{ source('keycloak', 'realms') }}
