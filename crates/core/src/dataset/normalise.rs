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

/// Where a call sits in the record, for the path of an issue about it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CallPlace {
    /// OpenAI `tool_calls[j]`.
    ToolCalls(usize),
    /// OpenAI's legacy `function_call`.
    FunctionCall,
    /// A ShareGPT `function_call` turn's `value`.
    Value,
}

/// One function call of an assistant turn.
#[derive(Debug, Clone)]
pub(crate) struct Call<'r> {
    pub(crate) id: Cow<'r, str>,
    pub(crate) name: Cow<'r, str>,
    /// The text of a JSON object.
    pub(crate) arguments: Cow<'r, str>,
    pub(crate) place: CallPlace,
}

impl Call<'_> {
    /// The JSON path of the call inside the record.
    pub(crate) fn path(&self, field: &str, index: usize) -> String {
        match self.place {
            CallPlace::ToolCalls(j) => format!("$.{field}[{index}].tool_calls[{j}]"),
            CallPlace::FunctionCall => format!("$.{field}[{index}].function_call"),
            CallPlace::Value => format!("$.{field}[{index}].value"),
        }
    }
}

/// One normalised message, borrowing from the record where it can.
#[derive(Debug, Clone)]
pub(crate) struct Turn<'r> {
    /// Position in the record's message list (for issue paths).
    pub(crate) index: usize,
    pub(crate) role: Role,
    /// Empty for an assistant turn that only calls tools.
    pub(crate) content: Cow<'r, str>,
    pub(crate) reasoning: Option<Cow<'r, str>>,
    pub(crate) calls: Vec<Call<'r>>,
    /// A tool result's call id (filled in by matching when the file gives none).
    pub(crate) call_id: Option<Cow<'r, str>>,
    /// A tool result's function name.
    pub(crate) name: Option<Cow<'r, str>>,
    /// An assistant turn with `weight: 0`: context, not a target.
    pub(crate) weight0: bool,
}

impl<'r> Turn<'r> {
    /// A plain text turn.
    pub(crate) fn text(role: Role, content: Cow<'r, str>) -> Self {
        Turn {
            index: 0,
            role,
            content,
            reasoning: None,
            calls: Vec::new(),
            call_id: None,
            name: None,
            weight0: false,
        }
    }

    /// An assistant turn that carries loss.
    pub(crate) fn is_target(&self) -> bool {
        self.role == Role::Assistant && !self.weight0
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
    pub(crate) messages: Vec<Turn<'r>>,
    /// The functions the assistant may call (OpenAI's shape); empty when the record has none.
    pub(crate) tools: Vec<serde_json::Value>,
    pub(crate) warnings: Vec<Draft>,
    pub(crate) quality: Option<f64>,
    pub(crate) human_reviewed: bool,
    pub(crate) scaffolding: Option<Scaffolding>,
}

impl Normalised<'_> {
    /// Assistant turns that carry loss (v4 marks its history turns `weight0`, so it counts 1).
    pub(crate) fn training_pairs(&self) -> u64 {
        self.messages.iter().filter(|t| t.is_target()).count() as u64
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

/// A speaker as the file names it: a role, or ShareGPT's `function_call` (an assistant turn whose
/// value is the call).
#[derive(Clone, Copy, PartialEq)]
enum Speaker {
    Role(Role),
    FunctionCall,
}

/// Maps a role name to a [`Speaker`]. ShareGPT's speaker names are accepted in every chat format,
/// because files mix them in practice.
fn parse_role(name: &str) -> Option<Speaker> {
    let name = name.trim();
    const SYSTEM: [&str; 2] = ["system", "developer"];
    const USER: [&str; 2] = ["user", "human"];
    const ASSISTANT: [&str; 6] = ["assistant", "gpt", "model", "chatgpt", "bard", "bing"];
    // `function` is OpenAI's legacy result role; `observation` is LLaMA-Factory's ShareGPT one.
    const TOOL: [&str; 3] = ["tool", "function", "observation"];
    let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    if is(&USER) {
        Some(Speaker::Role(Role::User))
    } else if is(&ASSISTANT) {
        Some(Speaker::Role(Role::Assistant))
    } else if is(&SYSTEM) {
        Some(Speaker::Role(Role::System))
    } else if is(&TOOL) {
        Some(Speaker::Role(Role::Tool))
    } else if name.eq_ignore_ascii_case("function_call") {
        Some(Speaker::FunctionCall)
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

/// Reads a list of chat messages; `sharegpt` reads `from`/`value` first. Tool calls, tool results,
/// reasoning and `weight` are read in OpenAI's and ShareGPT's spellings.
pub(super) fn messages<'r>(
    list: &'r List<RawMessage<'r>>,
    field: &str,
    sharegpt: bool,
    errors: &mut Vec<Draft>,
) -> Vec<Turn<'r>> {
    let items = match list {
        List::Items(items) => items,
        List::Not(kind) => {
            let msg = format!("`{field}` is a {kind}, not a list of messages");
            errors.push(Draft::new(codes::WRONG_TYPE, Some(format!("$.{field}")), msg));
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(items.len());
    // Numbers the calls that carry no id of their own (ShareGPT's never do).
    let mut call_counter = 0usize;
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
        let speaker = match role {
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
        let weight0 = match &m.weight {
            Text::Missing | Text::Null => false,
            Text::Num(w, _) if *w == 0.0 => true,
            Text::Num(w, _) if *w == 1.0 => false,
            other => {
                let shown = other.as_str().map_or_else(
                    || match other {
                        Text::Num(_, n) => n.0.clone(),
                        t => t.kind().to_string(),
                    },
                    |s| format!("{s:?}"),
                );
                let msg = format!("message {i} has weight {shown}; it must be 0 or 1");
                errors.push(Draft::new(
                    codes::INVALID_WEIGHT,
                    Some(format!("$.{field}[{i}].weight")),
                    msg,
                ));
                false
            }
        };
        let place = || {
            (
                format!("$.{field}[{i}].{content_field}"),
                format!("message {i}'s `{content_field}`"),
            )
        };
        let role = match speaker {
            None => continue,
            Some(Speaker::FunctionCall) => {
                let Some(text) = text_field(content, codes::MISSING_CONTENT, errors, place) else {
                    continue;
                };
                let base = format!("$.{field}[{i}]");
                let calls = super::tools::sharegpt_calls(text, &base, &mut call_counter, errors);
                if !calls.is_empty() {
                    let mut turn = Turn::text(Role::Assistant, Cow::Borrowed(""));
                    turn.index = i;
                    turn.calls = calls;
                    turn.weight0 = weight0;
                    out.push(turn);
                }
                continue;
            }
            Some(Speaker::Role(role)) => role,
        };
        let mut calls = Vec::new();
        let mut call_errors = false;
        if role == Role::Assistant && (m.tool_calls.is_some() || m.function_call.is_some()) {
            let before = errors.len();
            let base = format!("$.{field}[{i}]");
            if let Some(v) = &m.tool_calls {
                calls = super::tools::openai_calls(v, &base, &mut call_counter, errors);
            }
            if let Some(v) = &m.function_call {
                calls.extend(super::tools::legacy_call(v, &base, &mut call_counter, errors));
            }
            call_errors = errors.len() > before;
        }
        // An assistant turn that calls tools may have no text (OpenAI writes `content: null`).
        let text = if !calls.is_empty() || call_errors {
            match content {
                Text::Missing | Text::Null => Some(""),
                t => match t.as_str() {
                    Some(s) => Some(s),
                    None => {
                        let (path, what) = place();
                        let msg = format!("{what} is a {}, not text", t.kind());
                        errors.push(Draft::new(codes::WRONG_TYPE, Some(path), msg));
                        None
                    }
                },
            }
        } else {
            text_field(content, codes::MISSING_CONTENT, errors, place)
        };
        let reasoning = if role == Role::Assistant {
            reasoning_of(m, field, i, errors)
        } else {
            None
        };
        let (call_id, name) = if role == Role::Tool {
            (
                m.tool_call_id
                    .as_id()
                    .filter(|s| !s.is_empty())
                    .map(Cow::Borrowed),
                m.name
                    .as_str()
                    .filter(|s| !s.trim().is_empty())
                    .map(Cow::Borrowed),
            )
        } else {
            (None, None)
        };
        if let Some(text) = text {
            out.push(Turn {
                index: i,
                role,
                content: Cow::Borrowed(text),
                reasoning,
                calls,
                call_id,
                name,
                weight0: weight0 && role == Role::Assistant,
            });
        }
    }
    out
}

/// The assistant's reasoning: `reasoning_content` (DeepSeek, Qwen, vLLM) or `thinking`.
fn reasoning_of<'r>(
    m: &'r super::record::RawMessageFields<'r>,
    field: &str,
    i: usize,
    errors: &mut Vec<Draft>,
) -> Option<Cow<'r, str>> {
    for (key, value) in [
        ("reasoning_content", &m.reasoning_content),
        ("thinking", &m.thinking),
    ] {
        match value {
            Text::Missing | Text::Null => {}
            t => match t.as_str() {
                Some(s) if s.trim().is_empty() => {}
                Some(s) => return Some(Cow::Borrowed(s)),
                None => {
                    let msg = format!("message {i}'s `{key}` is a {}, not text", t.kind());
                    errors.push(Draft::new(
                        codes::WRONG_TYPE,
                        Some(format!("$.{field}[{i}].{key}")),
                        msg,
                    ));
                }
            },
        }
    }
    None
}

/// Adds the order warnings and drops trailing user and system turns so the example ends on its
/// target. Returns false (with an error) when no assistant turn carries loss.
pub(super) fn finish_order(
    msgs: &mut Vec<Turn<'_>>,
    errors: &mut Vec<Draft>,
    warnings: &mut Vec<Draft>,
) -> bool {
    if !msgs.iter().any(Turn::is_target) {
        let msg = if msgs.iter().any(|t| t.role == Role::Assistant) {
            "every assistant message has weight 0: nothing to learn"
        } else {
            "no assistant message to learn"
        };
        errors.push(Draft::new(codes::NO_ASSISTANT_TARGET, None, msg));
        return false;
    }
    if msgs.iter().skip(1).any(|t| t.role == Role::System) {
        warnings.push(Draft::new(
            codes::SYSTEM_NOT_FIRST,
            None,
            "a system message is not the first message",
        ));
    }
    let mut odd = None;
    let mut prev = None;
    // A tool result sits between the assistant's call and its answer: assistant, tool, assistant
    // is the expected order, not two assistant turns in a row.
    for r in msgs.iter().map(|t| t.role).filter(|r| *r != Role::System) {
        if prev.is_none() && r == Role::Assistant {
            odd = Some("the conversation starts with an assistant turn");
            break;
        }
        if prev == Some(r) && r != Role::Tool {
            odd = Some(if r == Role::User {
                "two user turns in a row"
            } else {
                "two assistant turns in a row"
            });
            break;
        }
        prev = Some(r);
    }
    let last_assistant = msgs.iter().rposition(|t| t.role == Role::Assistant).unwrap_or(0);
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
    let declared = if rec.tools.is_some() || rec.functions.is_some() {
        super::tools::read_tools(rec.tools.as_ref(), rec.functions.as_ref(), &mut errors)
    } else {
        super::tools::Declared::default()
    };
    let mut msgs = messages(list, field, sharegpt, &mut errors);
    if errors.is_empty() && msgs.is_empty() {
        let msg = format!("`{field}` is empty");
        errors.push(Draft::new(
            codes::EMPTY_CONVERSATION,
            Some(format!("$.{field}")),
            msg,
        ));
    }
    // LLaMA-Factory's ShareGPT keeps the system prompt beside the turns, in `system`.
    if sharegpt {
        if let Some(system) = optional_text(&rec.system, "$.system", &mut errors) {
            msgs.insert(0, Turn::text(Role::System, Cow::Borrowed(system)));
        }
    }
    if errors.is_empty() && msgs.iter().any(|t| t.role == Role::Tool || !t.calls.is_empty()) {
        super::tools::link(&mut msgs, field, &declared, &mut errors);
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
        tools: declared.tools,
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
        messages: msgs
            .into_iter()
            .map(|(role, text)| Turn::text(role, text))
            .collect(),
        tools: Vec::new(),
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
