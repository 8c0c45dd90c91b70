/**
 * Relays Task change events to the tasksync webhook (POST /v1/webhooks/salesforce/{orgId}/cdc).
 *
 * A change event trigger is after insert only, runs asynchronously after the change commits, takes up
 * to 2,000 events a batch and may not call out itself (Change Data Capture Developer Guide, "Change
 * Event Triggers": https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_trigger_intro.htm).
 * So it only turns the events into messages and hands them to one Queueable (TasksyncRelay).
 * Its running user and batch size are set by
 * platformEventSubscriberConfigs/TasksyncTaskChangeRelayConfig.
 */
trigger TasksyncTaskChangeRelay on TaskChangeEvent(after insert) {
    TasksyncRelay.relay(Trigger.new);
}
