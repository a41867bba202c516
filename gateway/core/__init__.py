"""Domain rules: users, rooms, messages, reply addresses, notifications."""
