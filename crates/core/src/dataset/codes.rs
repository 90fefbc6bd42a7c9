//! The stable issue codes and the suggestion that goes with each. The strings are a contract with the
//! app, the CLI and users' scripts: never rename one; add new ones and document them in docs/datasets.md.

/// The record is not valid JSON.
pub const INVALID_JSON: &str = "invalid_json";
/// The record's bytes are not UTF-8.
pub const INVALID_UTF8: &str = "invalid_utf8";
/// The record does not match the file's format (or matches no known format).
pub const FORMAT_MISMATCH: &str = "format_mismatch";
/// A message has no text content (missing, null or not a string).
pub const MISSING_CONTENT: &str = "missing_content";
/// A message's content is empty or only whitespace.
pub const EMPTY_CONTENT: &str = "empty_content";
/// A message's role (or ShareGPT `from`) is not one BrightRun can train on.
pub const UNKNOWN_ROLE: &str = "unknown_role";
/// The example has no assistant message to learn.
pub const NO_ASSISTANT_TARGET: &str = "no_assistant_target";
/// The message list is empty.
pub const EMPTY_CONVERSATION: &str = "empty_conversation";
/// The file holds no records at all.
pub const EMPTY_FILE: &str = "empty_file";
/// A field the format requires is absent.
pub const MISSING_FIELD: &str = "missing_field";
/// A field has the wrong JSON type (e.g. `messages` is a string, a message is not an object).
pub const WRONG_TYPE: &str = "wrong_type";
/// The gzip stream is damaged or truncated; records before the damage are still reported.
pub const INVALID_GZIP: &str = "invalid_gzip";
/// A gzip file expands past the decompressed-size cap (32 GiB); the records before it are still reported.
pub const DECOMPRESSED_TOO_LARGE: &str = "decompressed_too_large";
/// The record (one line) is longer than the maximum record size (16 MiB); it was skipped unread.
pub const RECORD_TOO_LARGE: &str = "record_too_large";
/// The file has records but none of them is a training example (e.g. only v4 user turns).
pub const NO_TRAINING_EXAMPLES: &str = "no_training_examples";
/// A tool result (`tool` message, ShareGPT `observation`) answers no call of the assistant.
pub const UNMATCHED_TOOL_RESULT: &str = "unmatched_tool_result";
/// An assistant's tool call gets no result before the conversation goes on.
pub const UNANSWERED_TOOL_CALL: &str = "unanswered_tool_call";
/// A call's `arguments` are not valid JSON, or not a JSON object.
pub const INVALID_TOOL_ARGUMENTS: &str = "invalid_tool_arguments";
/// A tool call is malformed: no function name, or (ShareGPT) a `function_call` value that is not a call object.
pub const INVALID_TOOL_CALL: &str = "invalid_tool_call";
/// A call names a function that the record's `tools` do not declare.
pub const UNKNOWN_TOOL: &str = "unknown_tool";
/// A `tools` entry is not a function with a name and a JSON schema object for its parameters.
pub const INVALID_TOOL_SCHEMA: &str = "invalid_tool_schema";
/// The conversation ends on a tool result: there is no assistant turn after it to learn.
pub const ENDS_ON_TOOL_RESULT: &str = "ends_on_tool_result";
/// A message's `weight` is not 0 or 1.
pub const INVALID_WEIGHT: &str = "invalid_weight";

/// Warning: the same example (after normalisation) appears earlier in the file.
pub const DUPLICATE_EXAMPLE: &str = "duplicate_example";
/// Warning: the example has more tokens than the maximum sequence length.
pub const OVER_MAX_SEQ_LEN: &str = "over_max_seq_len";
/// Warning: a system message appears after the first message.
pub const SYSTEM_NOT_FIRST: &str = "system_not_first";
/// Warning: roles do not alternate user/assistant, or the conversation ends on a user turn.
pub const ODD_ROLE_ORDER: &str = "odd_role_order";

/// The standard suggestion for a code; every error code has one.
pub fn suggestion(code: &str) -> Option<&'static str> {
    Some(match code {
        INVALID_JSON => {
            "Fix the JSON syntax on this line (each JSONL line must be one complete JSON object)."
        }
        INVALID_UTF8 => "Re-save the file as UTF-8.",
        FORMAT_MISMATCH => "Keep one format per file, or convert this record to the file's format.",
        MISSING_CONTENT => "Give every message a text `content` (ShareGPT: `value`).",
        EMPTY_CONTENT => "Remove the empty message or fill in its text.",
        UNKNOWN_ROLE => {
            "Use one of system, user, assistant, tool (ShareGPT: system, human, gpt, function_call, observation)."
        }
        NO_ASSISTANT_TARGET => "Add an assistant reply for the model to learn, or remove the record.",
        EMPTY_CONVERSATION => "Add messages to the conversation or remove the record.",
        EMPTY_FILE => "Choose a file that contains training records.",
        MISSING_FIELD => "Add the missing field (see docs/datasets.md for each format's fields).",
        WRONG_TYPE => "Give the field the JSON type the format expects (see docs/datasets.md).",
        INVALID_GZIP => "Compress the file again (gzip), or validate the uncompressed file.",
        DECOMPRESSED_TOO_LARGE => "Split the dataset into smaller files; one file may expand to at most 32 GiB.",
        NO_TRAINING_EXAMPLES => "Add records with an assistant target.",
        UNMATCHED_TOOL_RESULT => {
            "Give the tool message the `tool_call_id` of an earlier assistant call it answers, or remove it."
        }
        UNANSWERED_TOOL_CALL => {
            "Add a `tool` message with the call's `tool_call_id` (ShareGPT: an `observation`) right after the call."
        }
        INVALID_TOOL_ARGUMENTS => {
            "Make `arguments` a JSON object, e.g. \"{\\\"city\\\": \\\"Paris\\\"}\" (a string holding JSON, as OpenAI writes it)."
        }
        INVALID_TOOL_CALL => {
            "Write each call as {\"type\": \"function\", \"function\": {\"name\", \"arguments\"}} (ShareGPT: {\"name\", \"arguments\"})."
        }
        UNKNOWN_TOOL => "Add the function to the record's `tools`, or fix the name of the call.",
        INVALID_TOOL_SCHEMA => {
            "Write each tool as {\"type\": \"function\", \"function\": {\"name\", \"description\", \"parameters\": {\"type\": \"object\", \"properties\": {...}}}}."
        }
        ENDS_ON_TOOL_RESULT => "End the conversation with the assistant's answer to the tool result.",
        INVALID_WEIGHT => "Set `weight` to 0 (context, no loss) or 1 (trained on), or remove it.",
        RECORD_TOO_LARGE => "Split the record or remove it; one record may be at most 16 MiB.",
        DUPLICATE_EXAMPLE => "Remove the repeated example; duplicates overweight it in training.",
        OVER_MAX_SEQ_LEN => {
            "Shorten the example or raise the maximum sequence length; the trainer truncates it."
        }
        SYSTEM_NOT_FIRST => "Move the system message to the start of the conversation.",
        ODD_ROLE_ORDER => "Alternate user and assistant turns and end on an assistant turn.",
        _ => return None,
    })
}
