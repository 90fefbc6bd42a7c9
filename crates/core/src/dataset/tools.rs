//! Tool use in chat records: the record's `tools` (function schemas), the assistant's calls and
//! the tool results that answer them, read in OpenAI's and ShareGPT's (LLaMA-Factory's) spellings
//! and checked against each other. Everything here runs only for records that carry tool fields.

use super::codes;
use super::normalise::{Call, CallPlace, Draft, Turn};
use super::Role;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashSet;

/// JSON type names a schema's `type` may hold.
const SCHEMA_TYPES: [&str; 7] = [
    "object", "string", "number", "integer", "boolean", "array", "null",
];
/// How deep a parameters schema is checked; deeper levels are taken as they are.
const SCHEMA_DEPTH: usize = 16;

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The record's declared tools, in OpenAI's shape, with the names they declare.
#[derive(Debug, Default)]
pub(crate) struct Declared {
    pub(crate) tools: Vec<Value>,
    pub(crate) names: HashSet<String>,
    /// `tools` was given (even empty): calls are checked against `names`.
    pub(crate) given: bool,
}

/// Reads `tools` (a list, or a string holding one as LLaMA-Factory writes it) or OpenAI's legacy
/// `functions`. Entries are `{"type": "function", "function": {...}}` or bare function objects.
pub(crate) fn read_tools(
    tools: Option<&Value>,
    functions: Option<&Value>,
    errors: &mut Vec<Draft>,
) -> Declared {
    let (field, value) = match (tools, functions) {
        (Some(t), _) if !t.is_null() => ("tools", t),
        (_, Some(f)) if !f.is_null() => ("functions", f),
        _ => return Declared::default(),
    };
    let parsed;
    let list = match value {
        Value::Array(items) => items,
        Value::String(s) => {
            parsed = match serde_json::from_str::<Value>(s) {
                Ok(v) => v,
                Err(e) => {
                    let msg = format!("`{field}` is a string that is not valid JSON: {e}");
                    errors.push(Draft::new(
                        codes::INVALID_TOOL_SCHEMA,
                        Some(format!("$.{field}")),
                        msg,
                    ));
                    return Declared::default();
                }
            };
            match &parsed {
                Value::Array(items) => items,
                Value::Null => return Declared::default(),
                other => {
                    let msg = format!("`{field}` holds a JSON {}, not a list of tools", kind(other));
                    errors.push(Draft::new(
                        codes::INVALID_TOOL_SCHEMA,
                        Some(format!("$.{field}")),
                        msg,
                    ));
                    return Declared::default();
                }
            }
        }
        other => {
            let msg = format!("`{field}` is a {}, not a list of tools", kind(other));
            errors.push(Draft::new(
                codes::INVALID_TOOL_SCHEMA,
                Some(format!("$.{field}")),
                msg,
            ));
            return Declared::default();
        }
    };
    let mut declared = Declared {
        given: true,
        ..Declared::default()
    };
    for (i, item) in list.iter().enumerate() {
        let path = format!("$.{field}[{i}]");
        let function = match item {
            Value::Object(o) if o.get("function").is_some_and(Value::is_object) => &o["function"],
            Value::Object(o) if o.contains_key("name") => item,
            other => {
                let msg = format!(
                    "tool {i} is a {} without a `function` object or a `name`, not a function definition",
                    kind(other)
                );
                errors.push(Draft::new(codes::INVALID_TOOL_SCHEMA, Some(path), msg));
                continue;
            }
        };
        let name = match function.get("name") {
            Some(Value::String(n)) if !n.trim().is_empty() => n.clone(),
            _ => {
                let msg = format!("tool {i} has no function `name`");
                errors.push(Draft::new(codes::INVALID_TOOL_SCHEMA, Some(path), msg));
                continue;
            }
        };
        let before = errors.len();
        if let Some(params) = function.get("parameters") {
            check_schema(
                params,
                &format!("tool {i} (`{name}`) parameters"),
                0,
                errors,
                &path,
            );
        }
        if errors.len() > before {
            continue;
        }
        declared.names.insert(name);
        declared
            .tools
            .push(serde_json::json!({"type": "function", "function": function}));
    }
    declared
}

/// Checks that `schema` is a JSON schema object: an object whose `type`, `properties`, `items` and
/// `required` have the shapes JSON Schema gives them. Function calling needs no more to render a
/// tool; a deeper check would reject schemas that real templates render fine.
fn check_schema(schema: &Value, what: &str, depth: usize, errors: &mut Vec<Draft>, path: &str) {
    if depth > SCHEMA_DEPTH || schema.is_boolean() {
        return;
    }
    let Value::Object(o) = schema else {
        let msg = format!("{what} is a {}, not a JSON schema object", kind(schema));
        errors.push(Draft::new(
            codes::INVALID_TOOL_SCHEMA,
            Some(path.to_string()),
            msg,
        ));
        return;
    };
    let mut fail = |problem: String| {
        errors.push(Draft::new(
            codes::INVALID_TOOL_SCHEMA,
            Some(path.to_string()),
            format!("{what}: {problem}"),
        ))
    };
    match o.get("type") {
        None => {}
        Some(Value::String(t)) if SCHEMA_TYPES.contains(&t.as_str()) => {}
        Some(Value::Array(ts))
            if ts
                .iter()
                .all(|t| t.as_str().is_some_and(|t| SCHEMA_TYPES.contains(&t))) => {}
        Some(other) => fail(format!("`type` {other} is not a JSON schema type")),
    }
    match o.get("properties") {
        None => {}
        Some(Value::Object(props)) => {
            for (key, sub) in props {
                check_schema(sub, &format!("{what}, property `{key}`"), depth + 1, errors, path);
            }
        }
        Some(other) => fail(format!("`properties` is a {}, not an object", kind(other))),
    }
    if let Some(items) = o.get("items") {
        check_schema(items, &format!("{what}, `items`"), depth + 1, errors, path);
    }
    match o.get("required") {
        None => {}
        Some(Value::Array(r)) if r.iter().all(Value::is_string) => {}
        Some(_) => {
            let msg = format!("{what}: `required` is not a list of property names");
            errors.push(Draft::new(
                codes::INVALID_TOOL_SCHEMA,
                Some(path.to_string()),
                msg,
            ));
        }
    }
}

/// The arguments of one call as the text of a JSON object: a string is parsed (and kept as
/// written), an object is written compactly; anything else is `invalid_tool_arguments`.
fn arguments<'r>(
    value: Option<&'r Value>,
    what: &str,
    path: &str,
    errors: &mut Vec<Draft>,
) -> Option<Cow<'r, str>> {
    let problem = match value {
        None => "has no `arguments`".to_string(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(_)) => return Some(Cow::Borrowed(s.as_str())),
            Ok(other) => format!("has `arguments` that hold a JSON {}, not an object", kind(&other)),
            Err(e) => format!("has `arguments` that are not valid JSON ({e})"),
        },
        Some(v @ Value::Object(_)) => return Some(Cow::Owned(v.to_string())),
        Some(other) => format!("has `arguments` that are a {}, not a JSON object", kind(other)),
    };
    errors.push(Draft::new(
        codes::INVALID_TOOL_ARGUMENTS,
        Some(path.to_string()),
        format!("{what} {problem}"),
    ));
    None
}

fn call_name<'r>(v: Option<&'r Value>, what: &str, path: &str, errors: &mut Vec<Draft>) -> Option<&'r str> {
    match v {
        Some(Value::String(n)) if !n.trim().is_empty() => Some(n),
        _ => {
            let msg = format!("{what} has no function `name`");
            errors.push(Draft::new(codes::INVALID_TOOL_CALL, Some(path.to_string()), msg));
            None
        }
    }
}

fn next_id(counter: &mut usize) -> Cow<'static, str> {
    *counter += 1;
    Cow::Owned(format!("call_{counter}"))
}

/// OpenAI's `tool_calls` list (`{id, type: "function", function: {name, arguments}}`).
pub(crate) fn openai_calls<'r>(
    value: &'r Value,
    base: &str,
    counter: &mut usize,
    errors: &mut Vec<Draft>,
) -> Vec<Call<'r>> {
    let items = match value {
        Value::Null => return Vec::new(),
        Value::Array(items) => items,
        other => {
            let msg = format!("`tool_calls` is a {}, not a list of calls", kind(other));
            errors.push(Draft::new(
                codes::INVALID_TOOL_CALL,
                Some(format!("{base}.tool_calls")),
                msg,
            ));
            return Vec::new();
        }
    };
    let mut calls = Vec::with_capacity(items.len());
    for (j, item) in items.iter().enumerate() {
        let path = format!("{base}.tool_calls[{j}]");
        let what = format!("tool call {j}");
        let Some(function) = item.get("function").filter(|f| f.is_object()) else {
            let msg = format!("{what} has no `function` object");
            errors.push(Draft::new(codes::INVALID_TOOL_CALL, Some(path), msg));
            continue;
        };
        let name = call_name(function.get("name"), &what, &path, errors);
        let args_path = format!("{path}.function.arguments");
        let args = arguments(function.get("arguments"), &what, &args_path, errors);
        let id = match item.get("id") {
            Some(Value::String(id)) if !id.is_empty() => Cow::Borrowed(id.as_str()),
            _ => next_id(counter),
        };
        if let (Some(name), Some(arguments)) = (name, args) {
            calls.push(Call {
                id,
                name: Cow::Borrowed(name),
                arguments,
                place: CallPlace::ToolCalls(j),
            });
        }
    }
    calls
}

/// OpenAI's legacy `function_call: {name, arguments}` on an assistant message.
pub(crate) fn legacy_call<'r>(
    value: &'r Value,
    base: &str,
    counter: &mut usize,
    errors: &mut Vec<Draft>,
) -> Option<Call<'r>> {
    if value.is_null() {
        return None;
    }
    let path = format!("{base}.function_call");
    let name = call_name(value.get("name"), "the function call", &path, errors);
    let args = arguments(
        value.get("arguments"),
        "the function call",
        &format!("{path}.arguments"),
        errors,
    );
    Some(Call {
        id: next_id(counter),
        name: Cow::Borrowed(name?),
        arguments: args?,
        place: CallPlace::FunctionCall,
    })
}

/// A ShareGPT `function_call` turn's value: the text of `{"name", "arguments"}` or of a list of
/// them (parallel calls), as LLaMA-Factory writes it.
pub(crate) fn sharegpt_calls(
    value: &str,
    base: &str,
    counter: &mut usize,
    errors: &mut Vec<Draft>,
) -> Vec<Call<'static>> {
    let path = format!("{base}.value");
    let parsed = match serde_json::from_str::<Value>(value) {
        Ok(v) => v,
        Err(e) => {
            let msg = format!("the function_call value is not valid JSON ({e})");
            errors.push(Draft::new(codes::INVALID_TOOL_CALL, Some(path), msg));
            return Vec::new();
        }
    };
    let items = match parsed {
        Value::Array(items) => items,
        one @ Value::Object(_) => vec![one],
        other => {
            let msg = format!(
                "the function_call value is a JSON {}, not a call object",
                kind(&other)
            );
            errors.push(Draft::new(codes::INVALID_TOOL_CALL, Some(path), msg));
            return Vec::new();
        }
    };
    let mut calls = Vec::with_capacity(items.len());
    for (j, item) in items.iter().enumerate() {
        let what = if items.len() == 1 {
            "the function call".to_string()
        } else {
            format!("function call {j}")
        };
        let name = call_name(item.get("name"), &what, &path, errors).map(str::to_string);
        let args = arguments(item.get("arguments"), &what, &path, errors).map(Cow::into_owned);
        if let (Some(name), Some(arguments)) = (name, args) {
            calls.push(Call {
                id: next_id(counter),
                name: Cow::Owned(name),
                arguments: Cow::Owned(arguments),
                place: CallPlace::Value,
            });
        }
    }
    calls
}

/// Matches tool results to calls and checks calls against the declared tools:
/// every result answers an earlier call of the assistant still waiting for one (by `tool_call_id`,
/// else by `name`, else the oldest waiting call, as ShareGPT files order them), every call is
/// answered before the conversation goes on (a conversation may end on the calls themselves: the
/// target is then the call), and it does not end on a tool result. Fills in each result's call id
/// and function name.
pub(crate) fn link(turns: &mut [Turn<'_>], field: &str, declared: &Declared, errors: &mut Vec<Draft>) {
    // (turn position, call position) of the calls still waiting for a result, oldest first.
    let mut pending: Vec<(usize, usize)> = Vec::new();
    let turn_path = |t: &Turn<'_>| format!("$.{field}[{}]", t.index);
    for t in 0..turns.len() {
        let role = turns[t].role;
        match role {
            Role::Tool => {
                let wanted_id = turns[t].call_id.clone();
                let wanted_name = turns[t].name.clone();
                let found = match (&wanted_id, &wanted_name) {
                    (Some(id), _) => pending.iter().position(|&(a, c)| turns[a].calls[c].id == *id),
                    (None, Some(name)) => pending.iter().position(|&(a, c)| turns[a].calls[c].name == *name),
                    (None, None) => (!pending.is_empty()).then_some(0),
                };
                match found {
                    Some(k) => {
                        let (a, c) = pending.remove(k);
                        let call = &turns[a].calls[c];
                        let (id, name) = (call.id.clone().into_owned(), call.name.clone().into_owned());
                        turns[t].call_id = Some(Cow::Owned(id));
                        turns[t].name = Some(Cow::Owned(name));
                    }
                    None => {
                        let answers = match (&wanted_id, &wanted_name) {
                            (Some(id), _) => format!(" (`tool_call_id` {id:?})"),
                            (None, Some(name)) => format!(" (function {name:?})"),
                            _ => String::new(),
                        };
                        let msg = if pending.is_empty() {
                            format!("message {} is a tool result{answers} but no call of the assistant waits for one", turns[t].index)
                        } else {
                            format!("message {} is a tool result{answers} that answers none of the calls waiting for a result", turns[t].index)
                        };
                        errors.push(Draft::new(
                            codes::UNMATCHED_TOOL_RESULT,
                            Some(turn_path(&turns[t])),
                            msg,
                        ));
                    }
                }
            }
            _ => {
                unanswered(turns, &pending, field, errors);
                pending.clear();
                if role == Role::Assistant {
                    for (c, call) in turns[t].calls.iter().enumerate() {
                        if declared.given && !declared.names.contains(call.name.as_ref()) {
                            let msg = if declared.names.is_empty() {
                                format!(
                                    "the call to `{}` names a function, but the record's `tools` is empty",
                                    call.name
                                )
                            } else {
                                let mut names: Vec<&str> =
                                    declared.names.iter().map(String::as_str).collect();
                                names.sort_unstable();
                                format!(
                                    "the call to `{}` names no function of the record's `tools` ({})",
                                    call.name,
                                    names.join(", ")
                                )
                            };
                            errors.push(Draft::new(
                                codes::UNKNOWN_TOOL,
                                Some(call.path(field, turns[t].index)),
                                msg,
                            ));
                        }
                        pending.push((t, c));
                    }
                }
            }
        }
    }
    if let Some(last) = turns.last() {
        if last.role == Role::Tool {
            let msg = "the conversation ends on a tool result, with no assistant turn after it to learn";
            errors.push(Draft::new(codes::ENDS_ON_TOOL_RESULT, Some(turn_path(last)), msg));
        }
    }
}

fn unanswered(turns: &[Turn<'_>], pending: &[(usize, usize)], field: &str, errors: &mut Vec<Draft>) {
    for &(a, c) in pending {
        let call = &turns[a].calls[c];
        let msg = format!(
            "the call to `{}` (id {:?}) in message {} gets no tool result before the conversation goes on",
            call.name, call.id, turns[a].index
        );
        errors.push(Draft::new(
            codes::UNANSWERED_TOOL_CALL,
            Some(call.path(field, turns[a].index)),
            msg,
        ));
    }
}
