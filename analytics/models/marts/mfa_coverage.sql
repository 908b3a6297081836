-- Per enabled user, the second factors enrolled. Counts what Keycloak stores: a user whose
-- credentials live in a federation provider (LDAP, Kerberos) may have factors it keeps.
with users as (
    select * from {{ ref('stg_keycloak__users') }} where enabled
),
credentials as (
    select realm, user_id, credential_type from {{ ref('stg_keycloak__user_credentials') }}
),
per_user as (
    select
        u.realm,
        u.user_id,
        u.username,
        u.federation_link is not null as is_federated,
        count(case when c.credential_type = 'otp' then 1 end) as otp_credentials,
        count(case when c.credential_type = 'webauthn' then 1 end) as webauthn_credentials,
        count(case when c.credential_type = 'webauthn-passwordless' then 1 end) as passkey_credentials,
        count(case when c.credential_type = 'recovery-authn-codes' then 1 end) as recovery_code_sets,
        count(case when c.credential_type = 'password' then 1 end) > 0 as has_password
    from users u
    left join credentials c on c.realm = u.realm and c.user_id = u.user_id
    group by u.realm, u.user_id, u.username, u.federation_link
)
select
    {{ kc_key(['realm', 'user_id']) }} as user_key,
    realm,
    user_id,
    username,
    is_federated,
    has_password,
    otp_credentials > 0 as has_otp,
    webauthn_credentials > 0 as has_webauthn,
    passkey_credentials > 0 as has_passkey,
    recovery_code_sets > 0 as has_recovery_codes,
    (case when otp_credentials > 0 then 1 else 0 end)
    + (case when webauthn_credentials > 0 then 1 else 0 end)
    + (case when passkey_credentials > 0 then 1 else 0 end)
    + (case when recovery_code_sets > 0 then 1 else 0 end) as second_factor_kinds,
    otp_credentials + webauthn_credentials + passkey_credentials + recovery_code_sets > 0
        as has_second_factor
from per_user
