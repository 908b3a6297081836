-- Users as /users lists them (service-account users are not among them); users an
-- incremental sync marked deleted are left out.
select
    {{ kc_col('realm') }} as realm,
    {{ kc_col('id') }} as user_id,
    {{ kc_col('username') }} as username,
    {{ kc_col('email') }} as email,
    {{ kc_col('enabled') }} as enabled,
    {{ kc_col('createdTimestamp') }} as created_ms,
    {{ kc_col('federationLink') }} as federation_link,
    {{ kc_col('serviceAccountClientId') }} as service_account_client_id
from {{ source('keycloak', 'users') }}
where {{ kc_col('_ab_cdc_deleted_at') }} is null
