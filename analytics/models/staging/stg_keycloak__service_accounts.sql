-- Clients with a service account, and the username Keycloak gives its user
-- ('service-account-' + the client ID, lower-cased). /users does not list these users;
-- user_effective_roles does, because they hold roles like anyone else.
select
    realm,
    client_uuid,
    client_id,
    enabled as client_enabled,
    'service-account-' || lower(client_id) as username
from {{ ref('stg_keycloak__clients') }}
where service_accounts_enabled
