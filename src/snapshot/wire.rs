//! Wire types: the Graph JSON shapes the loader reads, one object at a time, borrowing strings
//! from the input buffer. Only the properties a rule reads are declared; serde skips the rest.

use crate::model::Guid;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A property that may be missing (not exported), `null`, or a value.
#[derive(Debug, Default)]
pub enum Tri<T> {
    #[default]
    Missing,
    Null,
    Val(T),
}

impl<T> Tri<T> {
    pub fn present(&self) -> bool {
        !matches!(self, Tri::Missing)
    }
    pub fn val(self) -> Option<T> {
        match self {
            Tri::Val(v) => Some(v),
            _ => None,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Tri<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(d)?.map_or(Tri::Null, Tri::Val))
    }
}

/// The longest string value tenantlint keeps: far beyond any Graph property it reads (display
/// names hold 256 characters, addresses a few hundred), and the most a span in the model holds.
/// A longer one is an error rather than a copy repeated in every finding that names it.
pub const MAX_STRING: usize = (1 << 16) - 1;

/// A string value, borrowed from the input when it has no escapes, owned otherwise; at most
/// [`MAX_STRING`] bytes.
#[derive(Debug)]
pub struct Str<'a>(pub Cow<'a, str>);

/// A key: like [`Str`], without the length limit.
struct Key<'a>(Cow<'a, str>);

struct StrVisitor<const LIMIT: bool>;

impl<'de, const LIMIT: bool> Visitor<'de> for StrVisitor<LIMIT> {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        too_long::<E, LIMIT>(v)?;
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        too_long::<E, LIMIT>(v)?;
        Ok(Cow::Owned(v.to_owned()))
    }
}

fn too_long<E: de::Error, const LIMIT: bool>(v: &str) -> Result<(), E> {
    if LIMIT && v.len() > MAX_STRING {
        return Err(E::custom(format!(
            "a string of {} bytes: longer than the {MAX_STRING} bytes any property tenantlint reads can hold",
            v.len()
        )));
    }
    Ok(())
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(StrVisitor::<true>).map(Str)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(StrVisitor::<false>).map(Key)
    }
}

/// An owned string value of at most [`MAX_STRING`] bytes (the tenant's id and name).
#[derive(Debug, Default)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(StrVisitor::<true>)
            .map(|c| Text(c.into_owned()))
    }
}

/// At most the first 80 characters of a value, for error messages (then `…`): a hostile
/// multi-gigabyte value must not become a multi-gigabyte message.
pub fn shown(v: &str) -> Cow<'_, str> {
    match v.char_indices().nth(80) {
        Some((i, _)) => Cow::Owned(format!("{}…", &v[..i])),
        None => Cow::Borrowed(v),
    }
}

struct GuidVisitor;

impl Visitor<'_> for GuidVisitor {
    type Value = Guid;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GUID")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Guid, E> {
        Guid::parse(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(&shown(v)), &self))
    }
}

impl<'de> Deserialize<'de> for Guid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(GuidVisitor)
    }
}

/// An RFC 3339 timestamp (Graph writes up to seven fractional digits), as Unix seconds.
#[derive(Debug, Clone, Copy)]
pub struct Ts(pub i64);

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Ts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Ts, E> {
                parse_timestamp(v)
                    .map(Ts)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(&shown(v)), &self))
            }
        }
        d.deserialize_str(V)
    }
}

/// Parses a timestamp to Unix seconds: RFC 3339 as Graph writes it (0 to 7 fractional digits),
/// also without an offset (PowerShell 7's `ConvertTo-Json` of a `DateTime`; read as UTC), and
/// `/Date(1700000000000)/` or `/Date(1700000000000+0100)/`, milliseconds since the epoch as
/// Windows PowerShell 5.1's `ConvertTo-Json` writes dates.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some((secs, len)) = super::utc::canonical(s.as_bytes())
        && len == s.len()
    {
        return Some(secs);
    }
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Some(t.as_second());
    }
    if let Some(ms) = s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // The offset only says which zone the date was written in: the instant is the number.
        let sign = usize::from(ms.starts_with('-'));
        let end = ms
            .get(sign..)?
            .find(['+', '-'])
            .map_or(ms.len(), |i| i + sign);
        let ms: i64 = ms.get(..end)?.parse().ok()?;
        return jiff::Timestamp::from_millisecond(ms)
            .ok()
            .map(|t| t.as_second());
    }
    let civil = s.parse::<jiff::civil::DateTime>().ok()?;
    jiff::tz::TimeZone::UTC
        .to_timestamp(civil)
        .ok()
        .map(|t| t.as_second())
}

/// A member reference: a bare id string or a directoryObject with an `id`.
#[derive(Debug)]
pub struct MemberId(pub Guid);

impl<'de> Deserialize<'de> for MemberId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MemberId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member id or a directoryObject with an id")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MemberId, E> {
                GuidVisitor.visit_str(v).map(MemberId)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MemberId, A::Error> {
                let mut id = None;
                while let Some(k) = map.next_key::<Key<'de>>()? {
                    if k.0 == "id" {
                        id = Some(map.next_value::<Guid>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                id.map(MemberId)
                    .ok_or_else(|| de::Error::missing_field("id"))
            }
        }
        d.deserialize_any(V)
    }
}

/// `enablementType`: 0/1/2 or "none"/"selected"/"all".
#[derive(Debug, Clone, Copy)]
pub struct EnablementType(pub crate::model::Enablement);

impl<'de> Deserialize<'de> for EnablementType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::model::Enablement as E;
        struct V;
        impl Visitor<'_> for V {
            type Value = EnablementType;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"0, 1, 2, "none", "selected" or "all""#)
            }
            fn visit_u64<Er: de::Error>(self, v: u64) -> Result<EnablementType, Er> {
                match v {
                    0 => Ok(EnablementType(E::None)),
                    1 => Ok(EnablementType(E::Selected)),
                    2 => Ok(EnablementType(E::All)),
                    _ => Err(Er::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_i64<Er: de::Error>(self, v: i64) -> Result<EnablementType, Er> {
                match u64::try_from(v) {
                    Ok(u) => self.visit_u64(u),
                    Err(_) => Err(Er::invalid_value(de::Unexpected::Signed(v), &self)),
                }
            }
            fn visit_str<Er: de::Error>(self, v: &str) -> Result<EnablementType, Er> {
                match v.to_ascii_lowercase().as_str() {
                    "none" => Ok(EnablementType(E::None)),
                    "selected" => Ok(EnablementType(E::Selected)),
                    "all" => Ok(EnablementType(E::All)),
                    _ => Err(Er::invalid_value(de::Unexpected::Str(&shown(v)), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", expecting = "an assignedLicenses entry")]
pub struct WireLicense {
    pub sku_id: Guid,
    #[serde(default)]
    pub disabled_plans: Option<Vec<Guid>>,
}

#[derive(Deserialize, Debug)]
#[serde(
    rename_all = "camelCase",
    expecting = "a licenseAssignmentStates entry"
)]
pub struct WireLicenseState<'a> {
    #[serde(default)]
    pub sku_id: Option<Guid>,
    #[serde(default, borrow)]
    pub state: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub error: Option<Str<'a>>,
    #[serde(default)]
    pub assigned_by_group: Option<Guid>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", expecting = "a user object")]
pub struct WireUser<'a> {
    pub id: Guid,
    #[serde(default, borrow)]
    pub user_principal_name: Tri<Str<'a>>,
    #[serde(default, borrow)]
    pub display_name: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub mail: Tri<Str<'a>>,
    #[serde(default, borrow)]
    pub proxy_addresses: Tri<Vec<Str<'a>>>,
    #[serde(default, borrow)]
    pub usage_location: Tri<Str<'a>>,
    #[serde(default)]
    pub account_enabled: Tri<bool>,
    #[serde(default)]
    pub on_premises_sync_enabled: Tri<bool>,
    #[serde(default, borrow)]
    pub user_type: Tri<Str<'a>>,
    #[serde(default, borrow)]
    pub external_user_state: Tri<Str<'a>>,
    #[serde(default)]
    pub external_user_state_change_date_time: Tri<Ts>,
    #[serde(default)]
    pub created_date_time: Tri<Ts>,
    #[serde(default)]
    pub assigned_licenses: Tri<Vec<WireLicense>>,
    #[serde(default, borrow)]
    pub license_assignment_states: Tri<Vec<WireLicenseState<'a>>>,
    #[serde(default, borrow)]
    pub mobile_phone: Tri<Str<'a>>,
    #[serde(default, borrow)]
    pub business_phones: Tri<Vec<Str<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a group object")]
pub struct WireGroup<'a> {
    pub id: Guid,
    #[serde(default, borrow)]
    pub display_name: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub mail: Tri<Str<'a>>,
    #[serde(default, borrow)]
    pub proxy_addresses: Tri<Vec<Str<'a>>>,
    #[serde(default)]
    pub on_premises_sync_enabled: Tri<bool>,
    #[serde(default)]
    pub is_assignable_to_role: Tri<bool>,
    #[serde(default)]
    pub members: Tri<Vec<MemberId>>,
    #[serde(default)]
    pub assigned_licenses: Tri<Vec<WireLicense>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "an orgContact object")]
pub struct WireContact<'a> {
    pub id: Guid,
    #[serde(default, borrow)]
    pub display_name: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub mail: Tri<Str<'a>>,
    #[serde(default, borrow)]
    pub proxy_addresses: Tri<Vec<Str<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a servicePlans entry")]
pub struct WirePlan<'a> {
    pub service_plan_id: Guid,
    #[serde(default, borrow)]
    pub service_plan_name: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(expecting = "a prepaidUnits object")]
pub struct WirePrepaid {
    #[serde(default)]
    pub enabled: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a subscribedSku object")]
pub struct WireSku<'a> {
    pub sku_id: Guid,
    #[serde(default, borrow)]
    pub sku_part_number: Option<Str<'a>>,
    #[serde(default)]
    pub consumed_units: Option<i64>,
    #[serde(default)]
    pub prepaid_units: Option<WirePrepaid>,
    #[serde(default, borrow)]
    pub service_plans: Option<Vec<WirePlan<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a domain object")]
pub struct WireDomain<'a> {
    #[serde(borrow)]
    pub id: Str<'a>,
    #[serde(default)]
    pub is_verified: Option<bool>,
    #[serde(default, borrow)]
    pub authentication_type: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a directoryRole object")]
pub struct WireDirectoryRole<'a> {
    #[serde(default)]
    pub id: Option<Guid>,
    #[serde(default)]
    pub role_template_id: Option<Guid>,
    #[serde(default, borrow)]
    pub display_name: Option<Str<'a>>,
    #[serde(default)]
    pub members: Option<Vec<MemberId>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a unifiedRoleAssignment object")]
pub struct WireRoleAssignment {
    pub principal_id: Guid,
    pub role_definition_id: Guid,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a credential object")]
pub struct WireCredential<'a> {
    #[serde(default, borrow)]
    pub key_id: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub display_name: Option<Str<'a>>,
    #[serde(default)]
    pub end_date_time: Option<Ts>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "an application object")]
pub struct WireApp<'a> {
    pub id: Guid,
    #[serde(default, borrow)]
    pub app_id: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub display_name: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub password_credentials: Option<Vec<WireCredential<'a>>>,
    #[serde(default, borrow)]
    pub key_credentials: Option<Vec<WireCredential<'a>>>,
}

/// A service principal: an application's properties, and who may use it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a servicePrincipal object")]
pub struct WireServicePrincipal<'a> {
    pub id: Guid,
    #[serde(default, borrow)]
    pub app_id: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub display_name: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub password_credentials: Option<Vec<WireCredential<'a>>>,
    #[serde(default, borrow)]
    pub key_credentials: Option<Vec<WireCredential<'a>>>,
    #[serde(default)]
    pub app_role_assignment_required: Tri<bool>,
    #[serde(default)]
    pub account_enabled: Tri<bool>,
    #[serde(default)]
    pub app_owner_organization_id: Tri<Guid>,
    #[serde(default)]
    pub app_role_assigned_to: Tri<Vec<WireAppRoleAssignment>>,
}

/// An `appRoleAssignedTo` entry (Graph `appRoleAssignment`).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", expecting = "an appRoleAssignment object")]
pub struct WireAppRoleAssignment {
    pub principal_id: Guid,
    #[serde(default)]
    pub principal_type: Option<WirePrincipalType>,
    #[serde(default)]
    pub app_role_id: Option<Guid>,
}

impl WireAppRoleAssignment {
    pub fn model(self) -> crate::model::AppRoleAssignment {
        crate::model::AppRoleAssignment {
            principal: self.principal_id,
            principal_type: self
                .principal_type
                .map_or(crate::model::PrincipalType::Other, |t| t.0),
            app_role: self.app_role_id.unwrap_or_default(),
        }
    }
}

/// `principalType`: `User`, `Group` or `ServicePrincipal` (any case); any other string is
/// [`Other`](crate::model::PrincipalType::Other).
#[derive(Debug)]
pub struct WirePrincipalType(pub crate::model::PrincipalType);

impl<'de> Deserialize<'de> for WirePrincipalType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::model::PrincipalType as P;
        struct V;
        impl Visitor<'_> for V {
            type Value = WirePrincipalType;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a principalType string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<WirePrincipalType, E> {
                let v = crate::model::trim(v);
                let t = if v.eq_ignore_ascii_case("User") {
                    P::User
                } else if v.eq_ignore_ascii_case("Group") {
                    P::Group
                } else if v.eq_ignore_ascii_case("ServicePrincipal") {
                    P::ServicePrincipal
                } else {
                    P::Other
                };
                Ok(WirePrincipalType(t))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Deserialize, Debug, Default)]
#[serde(
    rename_all = "camelCase",
    expecting = "a userRegistrationDetails object"
)]
pub struct WireRegistration<'a> {
    pub id: Guid,
    #[serde(default, borrow)]
    pub user_principal_name: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub methods_registered: Option<Vec<Str<'a>>>,
    #[serde(default)]
    pub is_sspr_registered: Tri<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", expecting = "a tenant object")]
pub struct WireTenant {
    #[serde(default)]
    pub id: Option<Text>,
    #[serde(default)]
    pub display_name: Option<Text>,
    /// Directory snapshots may carry `exportedAt` in `tenant.json`.
    #[serde(default)]
    pub exported_at: Option<String>,
}

/// What is read of an `authorizationPolicy` object.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", expecting = "an authorizationPolicy object")]
pub struct WireAuthorizationPolicy {
    #[serde(default)]
    pub allow_invites_from: Option<Text>,
}

/// `authorizationPolicy` as Graph returns it: the object (v1.0) or a collection of the one
/// policy, `{"value": [ { … } ]}` (beta, older versions). `policy` is `None` for an empty
/// collection; `page` says which form it was.
#[derive(Debug, Default)]
pub struct WireAuthorization {
    pub policy: Option<WireAuthorizationPolicy>,
    pub page: bool,
}

impl<'de> Deserialize<'de> for WireAuthorization {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// The `value` array of a page: at most one policy.
        struct OnePolicy(Option<WireAuthorizationPolicy>);
        impl<'de> Deserialize<'de> for OnePolicy {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = OnePolicy;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("an array of one authorizationPolicy")
                    }
                    fn visit_seq<A: SeqAccess<'de>>(
                        self,
                        mut seq: A,
                    ) -> Result<OnePolicy, A::Error> {
                        let first = seq.next_element::<WireAuthorizationPolicy>()?;
                        if first.is_some() && seq.next_element::<IgnoredAny>()?.is_some() {
                            return Err(de::Error::custom(
                                "more than one authorizationPolicy in \"value\": a tenant has one",
                            ));
                        }
                        Ok(OnePolicy(first))
                    }
                }
                d.deserialize_seq(V)
            }
        }

        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WireAuthorization;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an authorizationPolicy object or a Graph page with a \"value\" array")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut value: Option<OnePolicy> = None;
                let mut allow: Option<Option<Text>> = None;
                while let Some(k) = map.next_key::<Key<'de>>()? {
                    match &*k.0 {
                        "value" => {
                            if value.is_some() {
                                return Err(de::Error::duplicate_field("value"));
                            }
                            value = Some(map.next_value()?);
                        }
                        "allowInvitesFrom" => {
                            if allow.is_some() {
                                return Err(de::Error::duplicate_field("allowInvitesFrom"));
                            }
                            allow = Some(map.next_value()?);
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(match (value, allow) {
                    (Some(_), Some(_)) => {
                        return Err(de::Error::custom(
                            "an authorizationPolicy with both \"value\" and \"allowInvitesFrom\": expected the policy object or a Graph page of it",
                        ));
                    }
                    (Some(p), None) => WireAuthorization {
                        policy: p.0,
                        page: true,
                    },
                    (None, allow) => WireAuthorization {
                        policy: Some(WireAuthorizationPolicy {
                            allow_invites_from: allow.flatten(),
                        }),
                        page: false,
                    },
                })
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a passwordResetPolicy object")]
pub struct WirePasswordResetPolicy {
    #[serde(default)]
    pub enablement_type: Option<EnablementType>,
    #[serde(default)]
    pub password_reset_enabled_group_ids: Option<Vec<Guid>>,
    #[serde(default)]
    pub number_of_authentication_methods_required: Option<u32>,
}

#[derive(Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "an onPremisesPasswordResetPolicy object"
)]
pub struct WireOnPremPolicy {
    #[serde(default)]
    pub password_writeback_supported: Option<bool>,
    #[serde(default)]
    pub enablement_for_tenant: Option<bool>,
}

/// A collection in a file: a bare array, a Graph page `{"value": [...]}`, or an array of pages.
/// Each element stays raw here so that elements can be parsed in parallel afterwards.
pub enum RawCollection<'a> {
    Elements(Vec<&'a serde_json::value::RawValue>),
    Pages(Vec<Vec<&'a serde_json::value::RawValue>>),
}

impl<'a> RawCollection<'a> {
    pub fn into_elements(self) -> Vec<&'a serde_json::value::RawValue> {
        match self {
            RawCollection::Elements(v) => v,
            RawCollection::Pages(p) => p.into_iter().flatten().collect(),
        }
    }
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    value: Vec<&'a serde_json::value::RawValue>,
}

impl<'de: 'a, 'a> Deserialize<'de> for RawCollection<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawCollection<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of objects or a Graph page with a \"value\" array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut elems = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(e) = seq.next_element::<&'de serde_json::value::RawValue>()? {
                    elems.push(e);
                }
                // An array of Graph pages: the first element is an object with a "value" array.
                let is_page = |e: &&'de serde_json::value::RawValue| {
                    let s = e.get();
                    s.starts_with('{')
                        && s.contains("\"value\"")
                        && serde_json::from_str::<Page<'de>>(s).is_ok()
                };
                let pages = if elems.first().is_some_and(is_page) {
                    let pages: Result<Vec<_>, _> = elems
                        .iter()
                        .map(|e| serde_json::from_str::<Page<'de>>(e.get()).map(|p| p.value))
                        .collect();
                    Some(pages.map_err(|_| {
                        de::Error::custom("an array of Graph pages where one element is not a page")
                    })?)
                } else {
                    None
                };
                Ok(match pages {
                    Some(p) => RawCollection::Pages(p),
                    None => RawCollection::Elements(elems),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut value = None;
                while let Some(k) = map.next_key::<Key<'de>>()? {
                    if k.0 == "value" {
                        value = Some(map.next_value::<Vec<&'de serde_json::value::RawValue>>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                value
                    .map(RawCollection::Elements)
                    .ok_or_else(|| de::Error::missing_field("value"))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_timestamp;

    #[test]
    fn timestamps_as_exporters_write_them() {
        let t = 1_763_625_600; // 2025-11-20T08:00:00Z
        for s in [
            "2025-11-20T08:00:00Z",
            "2025-11-20T08:00:00.1Z",
            "2025-11-20T08:00:00.1234567Z",
            "2025-11-20T09:00:00+01:00",
            " 2025-11-20T08:00:00Z\u{a0}",
            "2025-11-20T08:00:00",
            "2025-11-20T08:00:00.000",
            "/Date(1763625600000)/",
            "/Date(1763625600000+0100)/",
            "/Date(1763625600999-0500)/",
        ] {
            assert_eq!(parse_timestamp(s), Some(t), "{s:?}");
        }
        assert_eq!(parse_timestamp("/Date(-1000)/"), Some(-1));
        for s in [
            "yesterday",
            "",
            "/Date()/",
            "/Date(x)/",
            "2025-13-01T00:00:00Z",
        ] {
            assert_eq!(parse_timestamp(s), None, "{s:?}");
        }
    }
}
