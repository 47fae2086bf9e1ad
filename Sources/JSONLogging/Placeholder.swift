enum JSONLoggingPlaceholder {}
