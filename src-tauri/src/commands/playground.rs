//! The Playground: one prompt to a trained model's base and to the adapter, both answers streamed to the page
//! as they are generated. The core's `models::side_by_side` (what `brightrun models chat` runs) talks to the
//! cluster that trained the model; each piece of text goes to the page through a Tauri channel.

use brightrun_core::models::{self, ChatOptions, Side};
use tauri::ipc::Channel;
use tauri::State;

use crate::core_state::CoreState;
use crate::dto::model_use::{ChatPiece, ChatSettings, SideBySideView};
use crate::error::{AppError, ErrorCode};

/// Most tokens one answer may ask for (the agent's `max_tokens` range).
const MAX_NEW_TOKENS: u32 = 4096;

/// Asks model `model_id`'s base model, then its adapter, `prompt`; every piece of text goes to `on_text` as
/// it comes. Both whole answers when done.
#[tauri::command]
#[specta::specta]
pub async fn playground_chat(
    core: State<'_, CoreState>,
    model_id: String,
    prompt: String,
    settings: ChatSettings,
    on_text: Channel<ChatPiece>,
) -> Result<SideBySideView, AppError> {
    chat(&core, &model_id, &prompt, &settings, &mut |piece| {
        // A page that went away stops listening; the answer still completes on the cluster.
        let _ = on_text.send(piece);
    })
    .await
}

/// The window-free half of [`playground_chat`], for tests.
pub async fn chat(
    core: &CoreState,
    model_id: &str,
    prompt: &str,
    settings: &ChatSettings,
    on_piece: &mut (dyn FnMut(ChatPiece) + Send),
) -> Result<SideBySideView, AppError> {
    let options = options(prompt, settings)?;
    let (model, job) = crate::commands::model_use::model_and_job(core, model_id).await?;
    let client = core.client(&job.cluster_id).await?;
    let mut forward = |side: Side, text: &str| {
        on_piece(ChatPiece {
            side: match side {
                Side::Base => "base",
                Side::Adapter => "adapter",
            }
            .into(),
            text: text.to_string(),
        })
    };
    let answers = models::side_by_side(&client, &model, prompt, &options, &mut forward).await?;
    Ok(SideBySideView::from(&answers))
}

/// The core's options from the page's settings; what the agent would refuse is refused here first, with
/// words for the form.
fn options(prompt: &str, s: &ChatSettings) -> Result<ChatOptions, AppError> {
    let invalid = |m: &str| Err(AppError::new(ErrorCode::InvalidInput, m));
    if prompt.trim().is_empty() {
        return invalid("Type a prompt first.");
    }
    if !(1..=MAX_NEW_TOKENS).contains(&s.max_new_tokens) {
        return invalid("Max tokens must be between 1 and 4096.");
    }
    if !(0.0..=2.0).contains(&s.temperature) {
        return invalid("Temperature must be between 0 and 2.");
    }
    if !(s.top_p > 0.0 && s.top_p <= 1.0) {
        return invalid("Top-p must be above 0 and at most 1.");
    }
    Ok(ChatOptions {
        system: s.system.clone().filter(|t| !t.trim().is_empty()),
        max_new_tokens: s.max_new_tokens,
        temperature: s.temperature,
        top_p: s.top_p,
        seed: s.seed.map(u64::from),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ChatSettings {
        ChatSettings {
            system: Some("  ".into()),
            max_new_tokens: 8,
            temperature: 0.7,
            top_p: 0.95,
            seed: Some(1),
        }
    }

    #[test]
    fn settings_become_the_cores_options() {
        let o = options("Hello", &settings()).unwrap();
        assert_eq!(o.system, None, "a blank system prompt is none");
        assert_eq!(o.max_new_tokens, 8);
        assert_eq!(o.seed, Some(1));
    }

    #[test]
    fn out_of_range_settings_are_refused_with_words() {
        assert!(options(" ", &settings()).unwrap_err().message.contains("prompt"));
        let mut s = settings();
        s.max_new_tokens = 0;
        assert_eq!(options("Hi", &s).unwrap_err().code, ErrorCode::InvalidInput);
        let mut s = settings();
        s.top_p = 0.0;
        assert!(options("Hi", &s).unwrap_err().message.contains("Top-p"));
        let mut s = settings();
        s.temperature = 3.0;
        assert!(options("Hi", &s).unwrap_err().message.contains("Temperature"));
    }
}
