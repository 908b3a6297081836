-- Users locked out by brute-force detection now (Keycloak still lists them as enabled).
-- Realms without brute-force protection have no rows.
with status as (
    select * from {{ ref('stg_keycloak__user_brute_force_status') }} where locked
)
select
    {{ kc_key(['s.realm', 's.user_id']) }} as user_key,
    s.realm,
    s.user_id,
    s.username,
    case when r.permanent_lockout then 'permanent' else 'temporary' end as lock_kind,
    s.num_failures,
    s.num_temporary_lockouts,
    {{ kc_ms_to_ts('s.last_failure_ms') }} as last_failure_at,
    s.last_failure_ip
from status s
left join {{ ref('stg_keycloak__realms') }} r on r.realm = s.realm
