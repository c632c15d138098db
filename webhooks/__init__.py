"""Webhooks: other systems hear about task changes the moment they happen (docs/webhooks.md).

Reads the task history that the services write (``tasks.TaskEvent``) and turns each entry into
one signed delivery per subscription that may see the task; imports run webhooks -> tasks."""
