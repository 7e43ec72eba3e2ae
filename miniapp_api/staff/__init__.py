"""Staff sign-in for the police console: passwords, lockout, TOTP and scan-to-sign-in tickets."""
