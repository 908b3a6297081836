select
    {{ kc_col('realm') }} as realm,
    {{ kc_col('user_id') }} as user_id,
    {{ kc_col('username') }} as username,
    {{ kc_col('user_enabled') }} as user_enabled,
    {{ kc_col('role_id') }} as role_id,
    {{ kc_col('role_name') }} as role_name,
    {{ kc_col('client_role') }} as is_client_role,
    {{ kc_col('client_id') }} as client_uuid,
    {{ kc_col('clientId') }} as client_id,
    {{ kc_col('client_enabled') }} as client_enabled,
    {{ kc_col('grant') }} as grant_key,
    {{ kc_col('source') }} as grant_source,
    {{ kc_col('member_group_id') }} as member_group_id,
    {{ kc_col('via_group_id') }} as via_group_id,
    {{ kc_col('via_role_id') }} as via_role_id,
    {{ kc_col('via_role_name') }} as via_role_name
from {{ source('keycloak', 'user_effective_roles') }}
