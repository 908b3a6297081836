//! The names and secrets of the sample: its realm, its fully privileged service client,
//! and every secret the sample data serves in clear (as Keycloak would, or where Keycloak
//! would mask it), so tests can assert none of them reaches a connector's output.

/// The realm of `FakeConfig::sample`.
pub const SAMPLE_REALM: &str = "acme";
/// The fully privileged service client of `FakeConfig::sample`.
pub const SAMPLE_CLIENT_ID: &str = "source-keycloak";
/// The secret of [`SAMPLE_CLIENT_ID`] (a fake secret, safe to print).
pub const SAMPLE_CLIENT_SECRET: &str = "fake-secret-9f8e7d6c5b4a";

/// billing-app's client secret (served in clear by `GET /clients`).
pub const BILLING_SECRET: &str = "billing-secret-Zx81";
/// billing-app's `registrationAccessToken`.
pub const BILLING_REGISTRATION_TOKEN: &str = "rat-eyJhbGciOiJIUzI1NiJ9.fake-registration-Rt47";
/// billing-app's `jwt.credential.private.key` attribute.
pub const BILLING_PRIVATE_KEY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-fake-private-key";
/// crm's client secret.
pub const CRM_SECRET: &str = "crm-secret-Hb62";
/// The realm representation's `smtpServer.password` (Keycloak would mask it).
pub const SMTP_PASSWORD: &str = "smtp-password-Kq93";
/// `config.clientSecret` of identity provider `corp-oidc` (Keycloak would mask it).
pub const CORP_IDP_SECRET: &str = "idp-secret-Wq71";
/// `config.clientSecret` of identity provider `github` (Keycloak would mask it).
pub const GITHUB_IDP_SECRET: &str = "idp-secret-Gh22";

/// The start of every OTP seed the sample's credentials hold in `secretData` (user n's
/// seed is this prefix and n).
pub const OTP_SEED_PREFIX: &str = "OTPSEEDFAKE7Q";
/// The disabled LDAP provider's `bindCredential` (Keycloak would mask it).
pub const LDAP_BIND_CREDENTIAL: &str = "ldap-bind-secret-Lb55";
/// The RSA key provider's `privateKey` (Keycloak would mask it).
pub const RSA_PRIVATE_KEY: &str = "MIIEvgIBADANBgkqhkiG9w0B-fake-rsa-private-Rk09";
/// The HMAC key provider's `secret` (Keycloak would mask it).
pub const HMAC_SECRET: &str = "hmac-generated-secret-Hm31";

/// Every secret any sample configuration serves or accepts, in every realm:
/// none of them may ever appear in a connector's output.
pub const SAMPLE_SECRETS: &[&str] = &[
    SAMPLE_CLIENT_SECRET,
    "fake-secret-noroles-1",
    "fake-secret-noclients-2",
    "fake-secret-nosa-3",
    "fake-secret-readonly-4",
    BILLING_SECRET,
    BILLING_REGISTRATION_TOKEN,
    BILLING_PRIVATE_KEY,
    CRM_SECRET,
    SMTP_PASSWORD,
    CORP_IDP_SECRET,
    GITHUB_IDP_SECRET,
    OTP_SEED_PREFIX,
    LDAP_BIND_CREDENTIAL,
    RSA_PRIVATE_KEY,
    HMAC_SECRET,
];
