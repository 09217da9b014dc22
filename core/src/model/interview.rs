//! Interview transcript (询问笔录). Signed, it is sealed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    check_inspector_signatures, check_inspectors, check_signatures, common_accessors, record_kind, Inspector, Instant,
    Kind, RecordKind, Signature, Summary,
};
use crate::validate::Problems;

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterviewStatus {
    #[default]
    Draft,
    /// Set by sealing, never by an edit.
    Signed,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Interviewee {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub resident_id: Option<String>,
    /// worker, employer representative, foreman, witness...
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub role: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub phone: Option<String>,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct QuestionAnswer {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub question: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub answer: String,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct InterviewSignatures {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub interviewee: Option<Signature>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub inspectors: Vec<Signature>,
}

record_kind! {
    pub struct Interview {
        pub status: InterviewStatus,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub case_id: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub interviewee: Interviewee,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub inspectors: Vec<Inspector>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub started_at: Option<Instant>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub ended_at: Option<Instant>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub place: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub questions: Vec<QuestionAnswer>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub signatures: InterviewSignatures,
    }
}

impl RecordKind for Interview {
    const KIND: Kind = Kind::Interview;
    common_accessors!();

    fn example() -> Self {
        let signed = |name: &str| Signature {
            name: name.into(),
            signed_at: "2026-03-12T07:30:00Z".parse().ok(),
            image_sha256: None,
        };
        Interview {
            schema_version: super::SCHEMA_VERSION,
            township: "华新镇".into(),
            status: InterviewStatus::Draft,
            case_id: None,
            interviewee: Interviewee {
                name: Some("刘强".into()),
                resident_id: Some("11010519491231002X".into()),
                role: Some("worker".into()),
                phone: Some("13712345678".into()),
            },
            inspectors: vec![
                Inspector {
                    name: "张丽".into(),
                    credential_number: "沪劳监0112".into(),
                },
                Inspector {
                    name: "吴军".into(),
                    credential_number: "沪劳监0135".into(),
                },
            ],
            started_at: "2026-03-12T06:40:00Z".parse().ok(),
            ended_at: "2026-03-12T07:25:00Z".parse().ok(),
            place: Some("华新镇劳动保障所".into()),
            questions: vec![
                QuestionAnswer {
                    question: "你在哪家单位工作？".into(),
                    answer: "宏达物流，做装卸".into(),
                },
                QuestionAnswer {
                    question: "被拖欠多少工资？".into(),
                    answer: "2月和3月，一共15500元".into(),
                },
            ],
            signatures: InterviewSignatures {
                interviewee: Some(signed("刘强")),
                inspectors: vec![signed("张丽"), signed("吴军")],
            },
            attachments: vec![],
            links: vec![],
        }
    }

    fn check(&self, p: &mut Problems, full: bool) {
        p.at("interviewee", |p| {
            p.resident_id("resident_id", &self.interviewee.resident_id);
            p.mobile("phone", &self.interviewee.phone);
        });
        if let (Some(a), Some(b)) = (self.started_at, self.ended_at) {
            if b < a {
                p.error("ended_at", "end_after_start", "the interview ends before it starts");
            }
        }
        p.at("signatures", |p| {
            check_signatures(p, "inspectors", &self.signatures.inspectors)
        });
        check_inspectors(p, &self.inspectors, full);
        let mut order = Problems::as_of(p.now());
        order.not_future("started_at", self.started_at);
        order.not_future("ended_at", self.ended_at);
        let sigs = self
            .signatures
            .inspectors
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("signatures.inspectors.{i}.signed_at"), s))
            .chain(
                self.signatures
                    .interviewee
                    .iter()
                    .map(|s| ("signatures.interviewee.signed_at".to_string(), s)),
            );
        for (field, sig) in sigs {
            order.not_future(&field, sig.signed_at);
            if let (Some(at), Some(start)) = (sig.signed_at, self.started_at) {
                if at < start {
                    order.error(&field, "signed_after_start", "signed before the interview started");
                }
            }
        }
        p.merge_at_level(order, full);
        if full {
            p.at("interviewee", |p| {
                p.require(self.interviewee.name.is_some(), "name");
                p.require(self.interviewee.resident_id.is_some(), "resident_id");
            });
            p.require(self.started_at.is_some(), "started_at");
            p.require(self.place.is_some(), "place");
            p.require(!self.questions.is_empty(), "questions");
            check_inspector_signatures(p, &self.inspectors, &self.signatures.inspectors);
            if !self.signatures.interviewee.as_ref().is_some_and(|s| s.is_signed()) {
                p.error(
                    "signatures.interviewee",
                    "interviewee_signed",
                    "the interviewee must sign the transcript",
                );
            }
        }
    }

    fn summary(&self) -> Summary {
        let i = &self.interviewee;
        let mut search = vec![];
        search.extend(i.name.clone());
        search.extend(i.resident_id.clone());
        search.extend(i.phone.clone());
        search.extend(self.place.clone());
        search.extend(self.inspectors.iter().map(|i| i.name.clone()));
        Summary {
            title: i.name.clone().unwrap_or_default(),
            risk: None,
            responsible: self.inspectors.first().map(|i| i.name.clone()),
            search,
        }
    }

    fn transitions() -> &'static [(&'static str, &'static str)] {
        &[]
    }

    fn sealed_status() -> Option<&'static str> {
        Some("signed")
    }
}
