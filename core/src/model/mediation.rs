//! Mediation (调解): application, parties, sessions and the agreement (调解协议书). The
//! agreement takes effect when both parties have signed, the mediator has signed and the
//! organisation has sealed it; signing seals the record.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    common_accessors, record_kind, ArbitrationReview, Date, Fen, Instant, Kind, RecordKind, Signature, Summary,
};
use crate::validate::Problems;

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediationStatus {
    #[default]
    Applied,
    InSession,
    /// Set by sealing the signed agreement, never by an edit.
    Agreed,
    NoAgreement,
    Withdrawn,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Online,
    #[default]
    Offline,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationForm {
    /// An oral application is recorded with applicant, dispute, reasons and time.
    #[default]
    Oral,
    Written,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Application {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub received_at: Option<Instant>,
    pub channel: Channel,
    pub form: ApplicationForm,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub applicant: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub dispute: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub reasons: Option<String>,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WorkerParty {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub resident_id: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub phone: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub amount_claimed_fen: Option<Fen>,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct EmployerParty {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub uscc: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub representative: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub agent: Option<String>,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Session {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub at: Option<Instant>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub place: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub notes: String,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AgreementSignatures {
    /// One signature per worker party.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub workers: Vec<Signature>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub employer: Option<Signature>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub mediator: Option<Signature>,
    /// The organisation's seal (盖章), recorded as who affixed it and when.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub organisation_seal: Option<Signature>,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Agreement {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub worker_claims: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub employer_claims: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub agreed_amount_fen: Option<Fen>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub payment_date: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub payment_method: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub claims_waived: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub signatures: AgreementSignatures,
}

record_kind! {
    pub struct Mediation {
        pub status: MediationStatus,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub case_id: Option<String>,
        pub application: Application,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub workers: Vec<WorkerParty>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub employer: EmployerParty,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub organisation: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub mediator: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub sessions: Vec<Session>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub agreement: Option<Agreement>,
        /// Legacy: reviews are now recorded after signing (`AfterSeal`), never in the agreement.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub arbitration_review: Option<ArbitrationReview>,
    }
}

impl Mediation {
    /// Both parties, the mediator and the organisation's seal: the agreement is effective.
    pub fn all_signed(&self) -> bool {
        let Some(a) = &self.agreement else {
            return false;
        };
        let s = &a.signatures;
        let workers_signed = !self.workers.is_empty()
            && self
                .workers
                .iter()
                .all(|w| s.workers.iter().any(|sig| sig.is_signed() && sig.name == w.name));
        let signed = |o: &Option<Signature>| o.as_ref().is_some_and(|s| s.is_signed());
        workers_signed && signed(&s.employer) && signed(&s.mediator) && signed(&s.organisation_seal)
    }

    /// Every signature the agreement needs to take effect, with its field path.
    fn required_signatures(&self) -> Vec<(String, &Signature)> {
        let Some(a) = &self.agreement else { return vec![] };
        let s = &a.signatures;
        let mut out: Vec<(String, &Signature)> = s
            .workers
            .iter()
            .enumerate()
            .map(|(i, sig)| (format!("agreement.signatures.workers.{i}"), sig))
            .collect();
        for (name, sig) in [
            ("employer", &s.employer),
            ("mediator", &s.mediator),
            ("organisation_seal", &s.organisation_seal),
        ] {
            if let Some(sig) = sig {
                out.push((format!("agreement.signatures.{name}"), sig));
            }
        }
        out
    }

    /// The day the agreement took effect: the day of the last signature it needs (both
    /// parties, the mediator and the organisation's seal).
    pub fn effective_on(&self) -> Option<Date> {
        if !self.all_signed() {
            return None;
        }
        self.required_signatures()
            .iter()
            .filter_map(|(_, s)| s.signed_at)
            .max()
            .map(crate::time::local_date)
    }
}

impl RecordKind for Mediation {
    const KIND: Kind = Kind::Mediation;
    common_accessors!();

    fn example() -> Self {
        let signed = |name: &str| Signature {
            name: name.into(),
            signed_at: "2026-03-20T03:00:00Z".parse().ok(),
            image_sha256: None,
        };
        Mediation {
            schema_version: super::SCHEMA_VERSION,
            township: "华新镇".into(),
            status: MediationStatus::InSession,
            case_id: None,
            application: Application {
                received_at: "2026-03-13T01:00:00Z".parse().ok(),
                channel: Channel::Offline,
                form: ApplicationForm::Oral,
                applicant: Some("刘强".into()),
                dispute: Some("拖欠2月至3月工资15500元".into()),
                reasons: Some("单位以资金困难为由拒付".into()),
            },
            workers: vec![WorkerParty {
                name: "刘强".into(),
                resident_id: Some("11010519491231002X".into()),
                phone: Some("13712345678".into()),
                amount_claimed_fen: Some(1_550_000),
            }],
            employer: EmployerParty {
                name: Some("上海青浦宏达物流有限公司".into()),
                uscc: Some("91350100M000100Y43".into()),
                representative: Some("王建国".into()),
                agent: None,
            },
            organisation: Some("华新镇劳动人事争议调解中心".into()),
            mediator: Some("陈芳".into()),
            sessions: vec![Session {
                at: "2026-03-20T02:00:00Z".parse().ok(),
                place: Some("华新镇调解中心".into()),
                notes: "双方同意分期支付".into(),
            }],
            agreement: Some(Agreement {
                worker_claims: Some("支付拖欠工资15500元".into()),
                employer_claims: Some("分两期支付".into()),
                agreed_amount_fen: Some(1_550_000),
                payment_date: "2026-03-31".parse().ok(),
                payment_method: Some("银行转账至本人账户".into()),
                claims_waived: Some("放弃经济补偿金主张".into()),
                signatures: AgreementSignatures {
                    workers: vec![signed("刘强")],
                    employer: Some(signed("王建国")),
                    mediator: Some(signed("陈芳")),
                    organisation_seal: Some(signed("华新镇劳动人事争议调解中心")),
                },
            }),
            arbitration_review: None,
            attachments: vec![],
            links: vec![],
        }
    }

    fn check(&self, p: &mut Problems, full: bool) {
        for (i, w) in self.workers.iter().enumerate() {
            p.at("workers", |p| {
                p.at(i, |p| {
                    p.resident_id("resident_id", &w.resident_id);
                    p.mobile("phone", &w.phone);
                    p.money("amount_claimed_fen", w.amount_claimed_fen);
                })
            });
        }
        p.at("employer", |p| p.uscc("uscc", &self.employer.uscc));
        if let Some(a) = &self.agreement {
            p.at("agreement", |p| p.money("agreed_amount_fen", a.agreed_amount_fen));
        }
        if self.arbitration_review.is_some() {
            p.error(
                "arbitration_review",
                "review_after_signing",
                "the arbitration review is recorded after the agreement is signed (fieldcase review), not in the agreement",
            );
        }
        p.at("application", |p| {
            p.not_future("received_at", self.application.received_at)
        });
        for (field, sig) in self.required_signatures() {
            p.not_future(&format!("{field}.signed_at"), sig.signed_at);
            if let (Some(at), Some(received)) = (sig.signed_at, self.application.received_at) {
                if at < received {
                    p.error(
                        &format!("{field}.signed_at"),
                        "signed_after_application",
                        "a signature cannot come before the application was received",
                    );
                }
            }
        }
        if full {
            p.at("application", |p| {
                p.require(self.application.received_at.is_some(), "received_at")
            });
            p.require(!self.workers.is_empty(), "workers");
            p.at("employer", |p| p.require(self.employer.name.is_some(), "name"));
            p.require(self.mediator.is_some(), "mediator");
            p.require(self.organisation.is_some(), "organisation");
            match &self.agreement {
                None => p.error(
                    "agreement",
                    "required",
                    "only a mediation with an agreement can be signed",
                ),
                Some(a) => p.at("agreement", |p| {
                    p.require(a.agreed_amount_fen.is_some(), "agreed_amount_fen");
                    p.require(a.payment_date.is_some(), "payment_date");
                    p.require(a.payment_method.is_some(), "payment_method");
                }),
            }
            if self.agreement.is_some() && !self.all_signed() {
                p.error(
                    "agreement.signatures",
                    "agreement_fully_signed",
                    "every worker party, the employer and the mediator must sign and the organisation must seal",
                );
            }
        }
    }

    fn summary(&self) -> Summary {
        let mut search = vec![];
        search.extend(self.employer.name.clone());
        search.extend(self.employer.uscc.clone());
        search.extend(self.mediator.clone());
        search.extend(self.application.dispute.clone());
        for w in &self.workers {
            search.push(w.name.clone());
            search.extend(w.resident_id.clone());
            search.extend(w.phone.clone());
        }
        let title = match (self.workers.first(), &self.employer.name) {
            (Some(w), Some(e)) => format!("{} 诉 {}", w.name, e),
            (_, Some(e)) => e.clone(),
            (Some(w), None) => w.name.clone(),
            (None, None) => String::new(),
        };
        Summary {
            title,
            risk: None,
            responsible: self.mediator.clone(),
            search,
        }
    }

    fn transitions() -> &'static [(&'static str, &'static str)] {
        &[
            ("applied", "in_session"),
            ("applied", "no_agreement"),
            ("in_session", "no_agreement"),
            ("applied", "withdrawn"),
            ("in_session", "withdrawn"),
            ("no_agreement", "in_session"),
        ]
    }

    fn sealed_status() -> Option<&'static str> {
        Some("agreed")
    }
}
