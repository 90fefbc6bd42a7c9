//! Lenient, borrowing serde shapes of one record. Every field a format uses is read as a tolerant
//! type, so a wrong JSON type never fails the parse: normalisation turns it into a precise issue.
//! Strings borrow from the input where JSON has no escapes, and unknown fields are skipped
//! without building a `serde_json::Value`; that is what keeps validation near bare-parse speed.

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A JSON value read where text is expected, without failing on other types.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) enum Text<'a> {
    /// The field is absent.
    #[default]
    Missing,
    /// `null`.
    Null,
    /// A string.
    Str(Cow<'a, str>),
    /// OpenAI content parts (`[{type:"text", text}]` or strings), joined with newlines.
    Parts(String),
    /// A number, kept for ids and scores.
    Num(f64, NumText),
    /// A boolean.
    Bool(bool),
    /// An object, or an array without text parts.
    Other(&'static str),
}

/// The number as it should print when used as an id (integers without `.0`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumText(pub(crate) String);

impl<'a> Text<'a> {
    /// The text, if this is a string or content parts.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Text::Str(s) => Some(s),
            Text::Parts(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an identifier: strings as they are, numbers printed.
    pub(crate) fn as_id(&self) -> Option<&str> {
        match self {
            Text::Str(s) => Some(s),
            Text::Num(_, n) => Some(&n.0),
            _ => None,
        }
    }

    /// The JSON type name, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Text::Missing => "missing",
            Text::Null => "null",
            Text::Str(_) | Text::Parts(_) => "string",
            Text::Num(..) => "number",
            Text::Bool(_) => "boolean",
            Text::Other(k) => k,
        }
    }

    /// True when the field is present in the record, even as `null`.
    pub(crate) fn is_present(&self) -> bool {
        !matches!(self, Text::Missing)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text::Str(Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Text::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Text::Num(v as f64, NumText(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Text::Num(v as f64, NumText(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Text::Num(v, NumText(v.to_string())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut joined: Option<String> = None;
        while let Some(part) = seq.next_element::<Part<'de>>()? {
            if let Some(text) = part.0 {
                match &mut joined {
                    Some(s) => {
                        s.push('\n');
                        s.push_str(&text);
                    }
                    None => joined = Some(text.into_owned()),
                }
            }
        }
        Ok(joined.map_or(Text::Other("array"), Text::Parts))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text::Other("object"))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

/// One element of an OpenAI content array: its text if it is a string or a `{type:"text"}` part.
struct Part<'a>(Option<Cow<'a, str>>);

#[derive(serde::Deserialize)]
struct PartFields<'a> {
    #[serde(default, borrow, rename = "type")]
    kind: Text<'a>,
    #[serde(default, borrow)]
    text: Text<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Part<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Obj::<PartFields<'a>>::deserialize(d)? {
            Obj::Fields(p) => {
                let is_text = matches!(p.kind.as_str(), None | Some("text"));
                Ok(Part(match p.text {
                    Text::Str(s) if is_text => Some(s),
                    _ => None,
                }))
            }
            Obj::Not(Text::Str(s)) => Ok(Part(Some(s))),
            Obj::Not(_) => Ok(Part(None)),
        }
    }
}

/// An object read as `T`, or whatever else was there (as [`Text`]) when it is not an object.
#[derive(Debug)]
pub(crate) enum Obj<'a, T> {
    /// It was an object.
    Fields(T),
    /// It was not; the value is kept for its type name (and text, where a string is accepted).
    Not(Text<'a>),
}

struct ObjVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
    type Value = Obj<'de, T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Obj::Fields)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        TextVisitor.visit_borrowed_str(v).map(Obj::Not)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        TextVisitor.visit_str(v).map(Obj::Not)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        TextVisitor.visit_string(v).map(Obj::Not)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Obj::Not(Text::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Obj::Not(Text::Null))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Obj::Not(Text::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        TextVisitor.visit_i64(v).map(Obj::Not)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        TextVisitor.visit_u64(v).map(Obj::Not)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        TextVisitor.visit_f64(v).map(Obj::Not)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Obj::Not(Text::Other("array")))
    }
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for Obj<'a, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjVisitor::<T>(std::marker::PhantomData))
    }
}

/// An array of `T`, or the type name of what was there instead.
#[derive(Debug)]
pub(crate) enum List<T> {
    /// It was an array.
    Items(Vec<T>),
    /// It was not (`"null"`, `"string"`, `"object"`…).
    Not(&'static str),
}

struct ListVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = List<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Cap the pre-allocation: the size hint comes from the file.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element::<T>()? {
            items.push(item);
        }
        Ok(List::Items(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(List::Not("object"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(List::Not("string"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(List::Not("null"))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(List::Not("null"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(List::Not("boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(List::Not("number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(List::Not("number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(List::Not("number"))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor::<T>(std::marker::PhantomData))
    }
}

/// A chat message in any of the formats' spellings (`role`/`content` or ShareGPT's `from`/`value`).
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct RawMessageFields<'a> {
    #[serde(default, borrow)]
    pub(crate) role: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) content: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) from: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) value: Text<'a>,
    /// OpenAI assistant tool calls, read as a plain value: only tool records pay for it.
    #[serde(default)]
    pub(crate) tool_calls: Option<serde_json::Value>,
    /// OpenAI's legacy single call (`functions` era).
    #[serde(default)]
    pub(crate) function_call: Option<serde_json::Value>,
    /// The call a `tool` message answers.
    #[serde(default, borrow)]
    pub(crate) tool_call_id: Text<'a>,
    /// The function a `tool` / legacy `function` message answers.
    #[serde(default, borrow)]
    pub(crate) name: Text<'a>,
    /// OpenAI's per-message training weight: 0 (context) or 1 (target).
    #[serde(default, borrow)]
    pub(crate) weight: Text<'a>,
    /// Assistant reasoning, as DeepSeek, Qwen and vLLM spell it.
    #[serde(default, borrow)]
    pub(crate) reasoning_content: Text<'a>,
    /// Assistant reasoning, as Anthropic-style and GPT-OSS data spell it.
    #[serde(default, borrow)]
    pub(crate) thinking: Text<'a>,
}

/// A message element, which may turn out not to be an object.
pub(crate) type RawMessage<'a> = Obj<'a, RawMessageFields<'a>>;

/// v4 `training_metadata`: only what the statistics use.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct TrainingMeta<'a> {
    #[serde(default, borrow)]
    pub(crate) quality_score: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) human_reviewed: Text<'a>,
}

/// v4 scaffolding keys, as the JSON document spells them under `conversation_metadata.scaffolding`.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ScaffoldingKeys<'a> {
    #[serde(default, borrow)]
    pub(crate) persona_key: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) emotional_arc_key: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) training_topic_key: Text<'a>,
}

/// v4 `conversation_metadata`, in both the record's and the document's spelling.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ConversationMeta<'a> {
    #[serde(default, borrow)]
    pub(crate) conversation_id: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) persona_archetype: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) emotional_arc_key: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) training_topic_key: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) scaffolding: Option<Obj<'a, ScaffoldingKeys<'a>>>,
}

/// Every top-level field any format uses. Which ones are present decides the record's format.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct RawRecord<'a> {
    #[serde(default, rename = "_meta")]
    pub(crate) meta: Option<IgnoredAny>,
    #[serde(default, borrow)]
    pub(crate) messages: Option<List<RawMessage<'a>>>,
    #[serde(default, borrow)]
    pub(crate) turns: Option<List<RawMessage<'a>>>,
    #[serde(default, borrow)]
    pub(crate) conversations: Option<List<RawMessage<'a>>>,
    #[serde(default, borrow)]
    pub(crate) conversation_id: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) instruction: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) input: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) output: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) system: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) prompt: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) completion: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) system_prompt: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) conversation_history: Option<List<RawMessage<'a>>>,
    #[serde(default, borrow)]
    pub(crate) current_user_input: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) target_response: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) training_metadata: Option<Obj<'a, TrainingMeta<'a>>>,
    #[serde(default, borrow)]
    pub(crate) conversation_metadata: Option<Obj<'a, ConversationMeta<'a>>>,
    /// The functions the assistant may call: a list (OpenAI) or a JSON string of one (ShareGPT).
    #[serde(default)]
    pub(crate) tools: Option<serde_json::Value>,
    /// OpenAI's legacy spelling of `tools` (bare function schemas).
    #[serde(default)]
    pub(crate) functions: Option<serde_json::Value>,
}
