"""Push: WeChat subscription messages (quota per user and template), deliveries sent at
most once, targeted warnings, and the periodic jobs."""
