select
    {{ kc_col('realm') }} as realm,
    {{ kc_col('id') }} as credential_id,
    {{ kc_col('user_id') }} as user_id,
    {{ kc_col('type') }} as credential_type,
    {{ kc_col('createdDate') }} as created_ms
from {{ source('keycloak', 'user_credentials') }}
