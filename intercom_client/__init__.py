"""What the tap and the target share about talking to Intercom: settings, pacing, errors, HTTP."""
