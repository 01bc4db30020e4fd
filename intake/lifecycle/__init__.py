"""The data lifecycle: retention, legal hold, forgetting, key epochs, exports."""
