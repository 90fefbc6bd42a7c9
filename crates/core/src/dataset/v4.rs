//! BrightRun LoRA v4 records: one training pair with its whole history. A null target marks a
//! user turn; the history's last entry repeats the current user input and is dropped; quality
//! and scaffolding feed the statistics.

use super::codes;
use super::normalise::{
    finish_order, messages, optional_text, text_field, top, Draft, Normalisation, Normalised, Scaffolding,
    Turn,
};
use super::record::{Obj, RawRecord, Text};
use super::Role;
use std::borrow::Cow;

fn scaffolding_of(rec: &RawRecord<'_>) -> Option<Scaffolding> {
    let Some(Obj::Fields(meta)) = &rec.conversation_metadata else {
        return None;
    };
    let keys = [
        &meta.persona_archetype,
        &meta.emotional_arc_key,
        &meta.training_topic_key,
    ];
    let values = keys.map(|k| k.as_id().map(str::to_string));
    values.iter().any(Option::is_some).then_some(values)
}

pub(crate) fn normalise_v4<'r>(
    rec: &'r RawRecord<'r>,
    conversation_override: Option<&'r str>,
    scaffolding_override: Option<&Scaffolding>,
) -> Normalisation<'r> {
    let conversation_id = conversation_override
        .or_else(|| rec.conversation_id.as_id())
        .map(Cow::Borrowed);
    let mut errors = Vec::new();
    // A null target marks a user turn: skipped, not an error (the v4 generator writes one per user message).
    let target = match &rec.target_response {
        Text::Null => None,
        t => text_field(t, codes::MISSING_FIELD, &mut errors, top("target_response")),
    };
    let user = text_field(
        &rec.current_user_input,
        codes::MISSING_FIELD,
        &mut errors,
        top("current_user_input"),
    );
    let history = match &rec.conversation_history {
        Some(list) => messages(list, "conversation_history", false, &mut errors),
        None => {
            let msg = "`conversation_history` is missing";
            errors.push(Draft::new(
                codes::MISSING_FIELD,
                Some("$.conversation_history".into()),
                msg,
            ));
            Vec::new()
        }
    };
    let system = optional_text(&rec.system_prompt, "$.system_prompt", &mut errors);
    if !errors.is_empty() {
        return Normalisation::Invalid(errors);
    }
    let (Some(user), Some(target)) = (user, target) else {
        return match (user, &rec.target_response) {
            (Some(_), Text::Null) => Normalisation::UserTurn,
            _ => Normalisation::Invalid(errors),
        };
    };
    let mut msgs = Vec::with_capacity(history.len() + 3);
    if let Some(s) = system {
        msgs.push(Turn::text(Role::System, Cow::Borrowed(s)));
    }
    let mut history = history;
    // The generator repeats the current user input as the last history entry; keeping both would
    // train on a duplicated user turn.
    if let Some(last) = history.last() {
        if last.role == Role::User && last.content.trim() == user.trim() {
            history.pop();
        }
    }
    // Only the final assistant message is the target: the history's assistant turns are context
    // that earlier records already train on (conversion writes them with `weight: 0`).
    for turn in &mut history {
        turn.weight0 |= turn.role == Role::Assistant;
    }
    msgs.extend(history);
    msgs.push(Turn::text(Role::User, Cow::Borrowed(user)));
    msgs.push(Turn::text(Role::Assistant, Cow::Borrowed(target)));
    let mut warnings = Vec::new();
    finish_order(&mut msgs, &mut errors, &mut warnings);
    let (quality, human_reviewed) = match &rec.training_metadata {
        Some(Obj::Fields(m)) => (
            match m.quality_score {
                Text::Num(q, _) if q.is_finite() => Some(q),
                _ => None,
            },
            m.human_reviewed == Text::Bool(true),
        ),
        _ => (None, false),
    };
    Normalisation::Example(Normalised {
        conversation_id,
        messages: msgs,
        tools: Vec::new(),
        warnings,
        quality,
        human_reviewed,
        scaffolding: scaffolding_override.cloned().or_else(|| scaffolding_of(rec)),
    })
}
