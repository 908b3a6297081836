-- Who has access to what: one row per (user, role, grant path), service-account users
-- included. A role held several ways has a row per way.
with roles as (
    select * from {{ ref('stg_keycloak__user_effective_roles') }}
),
groups as (
    select realm, group_id, path from {{ ref('stg_keycloak__groups') }}
),
service_accounts as (
    select * from {{ ref('stg_keycloak__service_accounts') }}
)
select
    {{ kc_key(['r.realm', 'r.user_id', 'r.role_id', 'r.grant_key']) }} as access_key,
    r.realm,
    r.user_id,
    r.username,
    r.user_enabled,
    sa.client_id as service_account_of,
    sa.client_id is not null as is_service_account,
    r.role_id,
    r.role_name,
    case when r.is_client_role then 'client' else 'realm' end as role_type,
    r.client_uuid,
    r.client_id,
    r.client_enabled,
    r.grant_key,
    r.grant_source,
    case
        when r.grant_source = 'direct' then 'direct'
        when r.grant_source = 'group' and r.via_group_id = r.member_group_id
            then 'group ' || coalesce(vg.path, r.via_group_id)
        when r.grant_source = 'group'
            then 'group ' || coalesce(vg.path, r.via_group_id)
                 || ' (parent of ' || coalesce(mg.path, r.member_group_id) || ')'
        when r.member_group_id is null
            then 'composite ' || coalesce(r.via_role_name, r.via_role_id) || ' (direct)'
        else 'composite ' || coalesce(r.via_role_name, r.via_role_id)
             || ' (group ' || coalesce(vg.path, r.via_group_id) || ')'
    end as grant_path,
    r.member_group_id,
    mg.path as member_group_path,
    r.via_group_id,
    vg.path as via_group_path,
    r.via_role_id,
    r.via_role_name,
    -- the grant works only while both the user and the role's client are enabled
    coalesce(r.user_enabled, true) and coalesce(r.client_enabled, true) as is_usable
from roles r
left join groups mg on mg.realm = r.realm and mg.group_id = r.member_group_id
left join groups vg on vg.realm = r.realm and vg.group_id = r.via_group_id
left join service_accounts sa on sa.realm = r.realm and sa.username = r.username
