-- Service-account clients whose account holds roles beyond the realm's default roles, with
-- no client login (CLIENT_LOGIN event) in the window (var keycloak_service_account_idle_days).
-- `uncertain` as in dormant_accounts (many realms do not record CLIENT_LOGIN).
{% set window_start = kc_window_start_ms('keycloak_service_account_idle_days') %}
with held as (
    select realm, username, user_id,
           count(distinct role_id) as roles_held
    from {{ ref('access_matrix') }}
    where is_service_account
      and role_name <> 'default-roles-' || lower(realm)
      and not (grant_source = 'composite' and via_role_name = 'default-roles-' || lower(realm))
    group by realm, username, user_id
),
logins as (
    select realm, client_id, max(time_ms) as last_client_login_ms
    from {{ ref('stg_keycloak__events') }}
    where event_type = 'CLIENT_LOGIN' and error is null
    group by realm, client_id
),
idle as (
    select
        sa.*,
        h.user_id,
        h.username as service_account_username,
        h.roles_held,
        l.last_client_login_ms,
        {{ kc_history_gap('e', 'records_client_login', 'CLIENT_LOGIN', window_start) }} as gap
    from {{ ref('stg_keycloak__service_accounts') }} sa
    join held h on h.realm = sa.realm and h.username = sa.username
    left join logins l on l.realm = sa.realm and l.client_id = sa.client_id
    left join {{ ref('stg_keycloak__event_history') }} e on e.realm = sa.realm
    where l.last_client_login_ms is null or l.last_client_login_ms < {{ window_start }}
)
select
    {{ kc_key(['realm', 'client_uuid']) }} as client_key,
    realm,
    client_uuid,
    client_id,
    client_enabled,
    user_id as service_account_user_id,
    service_account_username,
    roles_held,
    {{ kc_ms_to_ts('last_client_login_ms') }} as last_client_login_at,
    cast({{ var('keycloak_service_account_idle_days') | float }} as numeric) as window_days,
    gap is not null as uncertain,
    gap as uncertain_because
from idle
