select
    {{ kc_col('realm') }} as realm,
    {{ kc_col('id') }} as client_uuid,
    {{ kc_col('clientId') }} as client_id,
    {{ kc_col('enabled') }} as enabled,
    {{ kc_col('serviceAccountsEnabled') }} as service_accounts_enabled
from {{ source('keycloak', 'clients') }}
