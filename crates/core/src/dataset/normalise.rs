//! Format detection and normalisation of one parsed record into role/content messages that end
//! with the assistant's target, with the record's errors and warnings.

use super::codes;
use super::record::{List, Obj, RawMessage, RawRecord, Text};
use super::{DatasetFormat, Role};
use std::borrow::Cow;

/// A problem found in a record, before the engine adds its line and base path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Draft {
    pub(crate) code: &'static str,
    /// Path inside the record, e.g. `$.messages[2].role`; `None` for the record as a whole.
    pub(crate) path: Option<String>,
    pub(crate) message: String,
}

impl Draft {
    pub(super) fn new(code: &'static str, path: Option<String>, message: impl Into<String>) -> Self {
        Draft {
            code,
            path,
            message: message.into(),
        }
    }
}

/// v4 scaffolding values of the record's conversation: persona, emotional arc, training topic.
pub(crate) type Scaffolding = [Option<String>; 3];

/// The names the scaffolding distributions are reported under, in [`Scaffolding`] order; they
/// match the keys of the v4 document's `training_file_metadata.scaffolding_distribution`.
pub(crate) const SCAFFOLDING_NAMES: [&str; 3] = ["personas", "emotional_arcs", "training_topics"];

/// A record that normalised into a training example.
#[derive(Debug)]
pub(crate) struct Normalised<'r> {
    pub(crate) conversation_id: Option<Cow<'r, str>>,
    pub(crate) messages: Vec<(Role, Cow<'r, str>)>,
    /// v4: only the final assistant message carries loss; earlier ones are context.
    pub(crate) target_only: bool,
    pub(crate) warnings: Vec<Draft>,
    pub(crate) quality: Option<f64>,
    pub(crate) human_reviewed: bool,
    pub(crate) scaffolding: Option<Scaffolding>,
}

impl Normalised<'_> {
    /// Assistant turns that carry loss.
    pub(crate) fn training_pairs(&self) -> u64 {
        if self.target_only {
            1
        } else {
            self.messages
                .iter()
                .filter(|(r, _)| *r == Role::Assistant)
                .count() as u64
        }
    }
}

/// What one record turned out to be.
#[derive(Debug)]
pub(crate) enum Normalisation<'r> {
    /// A v4 user-turn record (`target_response: null`): skipped on purpose.
    UserTurn,
    /// A training example.
    Example(Normalised<'r>),
    /// The record cannot be used.
    Invalid(Vec<Draft>),
}

/// The format a record's fields point to, trying v4 first because its records also carry
/// `conversation_id`.
pub(crate) fn detect(rec: &RawRecord<'_>) -> Option<DatasetFormat> {
    DatasetFormat::ALL.into_iter().find(|f| has_marker(rec, *f))
}

/// True when the record carries the field(s) that identify `format`.
pub(crate) fn has_marker(rec: &RawRecord<'_>, format: DatasetFormat) -> bool {
    match format {
        DatasetFormat::BrightrunLoraV4 => {
            rec.target_response.is_present()
                || rec.current_user_input.is_present()
                || rec.conversation_history.is_some()
        }
        DatasetFormat::BrightrunTurns => rec.turns.is_some(),
        DatasetFormat::OpenaiMessages => rec.messages.is_some(),
        DatasetFormat::Sharegpt => rec.conversations.is_some(),
        DatasetFormat::Alpaca => rec.instruction.is_present() || rec.output.is_present(),
        DatasetFormat::PromptCompletion => rec.prompt.is_present() || rec.completion.is_present(),
    }
}

/// The v4 `_meta` header: a record with `_meta` and no training fields.
pub(crate) fn is_meta(rec: &RawRecord<'_>) -> bool {
    rec.meta.is_some() && detect(rec).is_none()
}

/// Normalises `rec` as `format`. `conversation_override` is the conversation id given by an
/// enclosing v4 document (its pairs' own `conversation_id` is not unique there).
pub(crate) fn normalise<'r>(
    rec: &'r RawRecord<'r>,
    format: DatasetFormat,
    conversation_override: Option<&'r str>,
    scaffolding_override: Option<&Scaffolding>,
) -> Normalisation<'r> {
    match format {
        DatasetFormat::BrightrunLoraV4 => {
            super::v4::normalise_v4(rec, conversation_override, scaffolding_override)
        }
        DatasetFormat::BrightrunTurns => chat(rec, &rec.turns, "turns", false),
        DatasetFormat::OpenaiMessages => chat(rec, &rec.messages, "messages", false),
        DatasetFormat::Sharegpt => chat(rec, &rec.conversations, "conversations", true),
        DatasetFormat::Alpaca => alpaca(rec),
        DatasetFormat::PromptCompletion => prompt_completion(rec),
    }
}

/// Maps a role name to a [`Role`]. ShareGPT's speaker names are accepted in every chat format,
/// because files mix them in practice; tool and function roles are not trainable here.
fn parse_role(name: &str) -> Option<Role> {
    let name = name.trim();
    const SYSTEM: [&str; 2] = ["system", "developer"];
    const USER: [&str; 2] = ["user", "human"];
    const ASSISTANT: [&str; 6] = ["assistant", "gpt", "model", "chatgpt", "bard", "bing"];
    let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    if is(&USER) {
        Some(Role::User)
    } else if is(&ASSISTANT) {
        Some(Role::Assistant)
    } else if is(&SYSTEM) {
        Some(Role::System)
    } else {
        None
    }
}

/// Reads a required text field, or explains why it cannot be used. `place` gives the field's path
/// and its name for a person; it is called only on error, keeping allocations off the hot path.
pub(super) fn text_field<'r>(
    value: &'r Text<'r>,
    missing_code: &'static str,
    errors: &mut Vec<Draft>,
    place: impl Fn() -> (String, String),
) -> Option<&'r str> {
    let (code, problem) = match value {
        Text::Missing => (missing_code, "is missing".to_string()),
        Text::Null => (codes::MISSING_CONTENT, "is null".to_string()),
        other => match other.as_str() {
            Some(s) if s.trim().is_empty() => (codes::EMPTY_CONTENT, "is empty".to_string()),
            Some(s) => return Some(s),
            None => (codes::WRONG_TYPE, format!("is a {}, not text", other.kind())),
        },
    };
    let (path, what) = place();
    errors.push(Draft::new(code, Some(path), format!("{what} {problem}")));
    None
}

/// `place` for a top-level field.
pub(super) fn top(field: &'static str) -> impl Fn() -> (String, String) {
    move || (format!("$.{field}"), format!("`{field}`"))
}

/// Reads a list of chat messages; `sharegpt` reads `from`/`value` first.
pub(super) fn messages<'r>(
    list: &'r List<RawMessage<'r>>,
    field: &str,
    sharegpt: bool,
    errors: &mut Vec<Draft>,
) -> Vec<(Role, Cow<'r, str>)> {
    let items = match list {
        List::Items(items) => items,
        List::Not(kind) => {
            let msg = format!("`{field}` is a {kind}, not a list of messages");
            errors.push(Draft::new(codes::WRONG_TYPE, Some(format!("$.{field}")), msg));
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let m = match item {
            Obj::Fields(m) => m,
            Obj::Not(t) => {
                let msg = format!("message {i} is a {}, not an object", t.kind());
                errors.push(Draft::new(
                    codes::WRONG_TYPE,
                    Some(format!("$.{field}[{i}]")),
                    msg,
                ));
                continue;
            }
        };
        // ShareGPT speaks `from`/`value`, but accept `role`/`content` there when `from` is absent.
        let (role_field, role, content_field, content) =
            if sharegpt && (m.from.is_present() || !m.role.is_present()) {
                ("from", &m.from, "value", &m.value)
            } else {
                ("role", &m.role, "content", &m.content)
            };
        // Files that mix the spellings (`from` with `content`, `role` with `value`) are common.
        let content = if sharegpt && !content.is_present() && m.content.is_present() {
            &m.content
        } else if !sharegpt && !content.is_present() && m.value.is_present() {
            &m.value
        } else {
            content
        };
        let role = match role {
            Text::Missing => {
                let msg = format!("message {i} has no `{role_field}`");
                errors.push(Draft::new(
                    codes::MISSING_FIELD,
                    Some(format!("$.{field}[{i}].{role_field}")),
                    msg,
                ));
                None
            }
            t => match t.as_str().and_then(parse_role) {
                Some(r) => Some(r),
                None => {
                    let shown = t
                        .as_str()
                        .map_or_else(|| t.kind().to_string(), |s| format!("`{s}`"));
                    let msg = format!("message {i} has unknown {role_field} {shown}");
                    errors.push(Draft::new(
                        codes::UNKNOWN_ROLE,
                        Some(format!("$.{field}[{i}].{role_field}")),
                        msg,
                    ));
                    None
                }
            },
        };
        let place = || {
            (
                format!("$.{field}[{i}].{content_field}"),
                format!("message {i}'s `{content_field}`"),
            )
        };
        let text = text_field(content, codes::MISSING_CONTENT, errors, place);
        if let (Some(role), Some(text)) = (role, text) {
            out.push((role, Cow::Borrowed(text)));
        }
    }
    out
}

/// Adds the order warnings and drops trailing non-assistant turns so the example ends on its target.
/// Returns false (with an error) when there is no assistant turn at all.
pub(super) fn finish_order(
    msgs: &mut Vec<(Role, Cow<'_, str>)>,
    errors: &mut Vec<Draft>,
    warnings: &mut Vec<Draft>,
) -> bool {
    if !msgs.iter().any(|(r, _)| *r == Role::Assistant) {
        errors.push(Draft::new(
            codes::NO_ASSISTANT_TARGET,
            None,
            "no assistant message to learn",
        ));
        return false;
    }
    if msgs.iter().skip(1).any(|(r, _)| *r == Role::System) {
        warnings.push(Draft::new(
            codes::SYSTEM_NOT_FIRST,
            None,
            "a system message is not the first message",
        ));
    }
    let mut odd = None;
    let mut prev = None;
    for (r, _) in msgs.iter().filter(|(r, _)| *r != Role::System) {
        if prev.is_none() && *r == Role::Assistant {
            odd = Some("the conversation starts with an assistant turn");
            break;
        }
        if prev == Some(*r) {
            odd = Some(if *r == Role::User {
                "two user turns in a row"
            } else {
                "two assistant turns in a row"
            });
            break;
        }
        prev = Some(*r);
    }
    let last_assistant = msgs.iter().rposition(|(r, _)| *r == Role::Assistant).unwrap_or(0);
    if last_assistant + 1 < msgs.len() {
        let dropped = msgs.len() - last_assistant - 1;
        msgs.truncate(last_assistant + 1);
        odd = Some(if dropped == 1 {
            "the conversation ends with a non-assistant turn, which is dropped"
        } else {
            "the conversation ends with non-assistant turns, which are dropped"
        });
    }
    if let Some(msg) = odd {
        warnings.push(Draft::new(codes::ODD_ROLE_ORDER, None, msg));
    }
    true
}

fn chat<'r>(
    rec: &'r RawRecord<'r>,
    list: &'r Option<List<RawMessage<'r>>>,
    field: &str,
    sharegpt: bool,
) -> Normalisation<'r> {
    let Some(list) = list else {
        let msg = format!("`{field}` is missing");
        return Normalisation::Invalid(vec![Draft::new(
            codes::MISSING_FIELD,
            Some(format!("$.{field}")),
            msg,
        )]);
    };
    let mut errors = Vec::new();
    let mut msgs = messages(list, field, sharegpt, &mut errors);
    if errors.is_empty() && msgs.is_empty() {
        let msg = format!("`{field}` is empty");
        errors.push(Draft::new(
            codes::EMPTY_CONVERSATION,
            Some(format!("$.{field}")),
            msg,
        ));
    }
    let mut warnings = Vec::new();
    if errors.is_empty() {
        finish_order(&mut msgs, &mut errors, &mut warnings);
    }
    if !errors.is_empty() {
        return Normalisation::Invalid(errors);
    }
    Normalisation::Example(Normalised {
        conversation_id: rec.conversation_id.as_id().map(Cow::Borrowed),
        messages: msgs,
        target_only: false,
        warnings,
        quality: None,
        human_reviewed: false,
        scaffolding: None,
    })
}

/// An optional text field: absent, null or empty is fine; another type is an error.
pub(super) fn optional_text<'r>(value: &'r Text<'r>, path: &str, errors: &mut Vec<Draft>) -> Option<&'r str> {
    match value {
        Text::Missing | Text::Null => None,
        t => match t.as_str() {
            Some(s) if s.trim().is_empty() => None,
            Some(s) => Some(s),
            None => {
                let msg = format!("`{}` is a {}, not text", path.trim_start_matches("$."), t.kind());
                errors.push(Draft::new(codes::WRONG_TYPE, Some(path.to_string()), msg));
                None
            }
        },
    }
}

fn simple_example<'r>(rec: &'r RawRecord<'r>, msgs: Vec<(Role, Cow<'r, str>)>) -> Normalisation<'r> {
    Normalisation::Example(Normalised {
        conversation_id: rec.conversation_id.as_id().map(Cow::Borrowed),
        messages: msgs,
        target_only: false,
        warnings: Vec::new(),
        quality: None,
        human_reviewed: false,
        scaffolding: None,
    })
}

fn alpaca<'r>(rec: &'r RawRecord<'r>) -> Normalisation<'r> {
    let mut errors = Vec::new();
    let instruction = text_field(
        &rec.instruction,
        codes::MISSING_FIELD,
        &mut errors,
        top("instruction"),
    );
    let input = optional_text(&rec.input, "$.input", &mut errors);
    let system = optional_text(&rec.system, "$.system", &mut errors);
    let output = text_field(&rec.output, codes::MISSING_FIELD, &mut errors, top("output"));
    let (Some(instruction), Some(output), true) = (instruction, output, errors.is_empty()) else {
        return Normalisation::Invalid(errors);
    };
    let mut msgs = Vec::with_capacity(3);
    if let Some(s) = system {
        msgs.push((Role::System, Cow::Borrowed(s)));
    }
    let user = match input {
        Some(input) => Cow::Owned(format!("{instruction}\n\n{input}")),
        None => Cow::Borrowed(instruction),
    };
    msgs.push((Role::User, user));
    msgs.push((Role::Assistant, Cow::Borrowed(output)));
    simple_example(rec, msgs)
}

fn prompt_completion<'r>(rec: &'r RawRecord<'r>) -> Normalisation<'r> {
    let mut errors = Vec::new();
    let prompt = text_field(&rec.prompt, codes::MISSING_FIELD, &mut errors, top("prompt"));
    let completion = text_field(
        &rec.completion,
        codes::MISSING_FIELD,
        &mut errors,
        top("completion"),
    );
    let (Some(prompt), Some(completion)) = (prompt, completion) else {
        return Normalisation::Invalid(errors);
    };
    simple_example(
        rec,
        vec![
            (Role::User, Cow::Borrowed(prompt)),
            (Role::Assistant, Cow::Borrowed(completion)),
        ],
    )
}
