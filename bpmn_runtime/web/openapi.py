"""The OpenAPI 3.1 description of /api/v1, written by hand next to the routes it describes
(tests check that it validates and that every route is in it)."""
from __future__ import annotations

from typing import Any

from bpmn_runtime.runtime.queries import COUNT_LIMIT, DUE_FILTERS, TASK_SORTS

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    shape: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        shape["required"] = list(required)
    return shape


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


MAX_RETRIES = 1000
MAX_RETRY_TIMEOUT = 366 * 24 * 3600 * 1000  # milliseconds: a year
MAX_VERSION = 2**31 - 1
MAX_OFFSET = 10**9
MAX_LOCK = 24 * 3600 * 1000  # milliseconds: a day
MAX_ID = 2**63 - 1
MAX_INSTRUCTIONS = 100  # instructions in one modification
MAX_MIGRATED = 1000  # instances in one migration call
WORKERS = ("For operators and administrators, and for tokens made for topics (`bpmn-runtime user token NAME "
           "--topic T`), which fetch and act on jobs of those topics only (403 for any other).")

TEXT = {"type": "string"}
KEY = {"type": "string", "maxLength": 255}
NAME = {"type": "string", "minLength": 1, "maxLength": 255}
MESSAGE = {"type": "string", "maxLength": 10_000}
OPTIONAL_TEXT = {"type": ["string", "null"]}
WHOLE = {"type": "integer"}
TIME = {"type": "string", "format": "date-time"}
OPTIONAL_TIME = {"type": ["string", "null"], "format": "date-time"}
VARIABLES = {"type": "object", "description": "Process variables by name: JSON values.",
             "additionalProperties": True}
WORKER = {"type": "string", "minLength": 1, "maxLength": 255,
          "description": "The worker's own name; only the worker holding a lock may act on it."}

PLAN = _object({"instanceId": WHOLE, "processKey": TEXT, "fromVersion": WHOLE, "toVersion": WHOLE,
                "moves": {"type": "array", "items": TEXT}, "problems": {"type": "array", "items": TEXT},
                "leftAsIs": {**OPTIONAL_TEXT, "description": "Why it is not migrated though nothing stands in the "
                                                             "way of the others (it has ended)."}})
ERRORS = {
    "400": _json(_ref("Error"), "A value was missing or wrong; `fields` or `problems` say which."),
    "401": _json(_ref("Error"), "No valid bearer token was sent."),
    "403": _json(_ref("Error"), "The token's user may not do this."),
    "404": _json(_ref("Error"), "No such definition, instance, task, job or incident (any more)."),
    "409": _json(_ref("Error"), "Someone else got there first: the task was claimed, the job's lock was lost."),
    "413": _json(_ref("Error"), "The body is over the limit: 1 MB, or 25 MB for a deployment."),
}


def _operation(summary: str, tag: str, responses: dict[str, Any], *, body: dict[str, Any] | None = None,
               parameters: list[dict[str, Any]] | None = None, operators: bool = False,
               public: bool = False, description: str | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "tags": [tag],
                                 "responses": {**responses, **({} if public else ERRORS)}}
    if operators:
        operation["description"] = "For operators and administrators, within the process permissions."
    if description:
        operation["description"] = description
    if public:
        operation["security"] = []
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": WHOLE}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGING = [_query("limit", {"type": "integer", "minimum": 0, "maximum": 200}, "At most this many (default 50)."),
          _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}, "Skip this many first.")]
# A long list: counted up to COUNT_LIMIT, and paged with a keyset cursor that costs the same on every page.
COUNTED = {"total": {**WHOLE, "description": f"How many match, counted up to {COUNT_LIMIT:,}."},
           "moreThanTotal": {"type": "boolean", "description": f"More than {COUNT_LIMIT:,} match (total is then "
                                                                 f"{COUNT_LIMIT:,}): counting them all would cost "
                                                                 f"more than the page."},
           "next": {"type": ["string", "null"], "description": "Pass as 'after' for the next page (null: this page "
                                                                "was the last)."}}


def _after(what: str) -> dict[str, Any]:
    return _query("after", {"type": "string", "maxLength": 1000},
                  f"The 'next' of the page before: the page goes on after its last {what}, as fast on the "
                  f"thousandth page as on the first (not together with offset).")


DONE = {"204": {"description": "Done."}}

SCHEMAS: dict[str, Any] = {
    "Error": _object({
        "error": TEXT,
        "fields": {"type": "object", "additionalProperties": TEXT, "description": "Form field id -> message."},
        "problems": {"type": "array", "items": _ref("Problem")},
    }, ("error",)),
    "Problem": {**_object({"file": TEXT, "line": WHOLE, "elementId": TEXT, "message": TEXT}),
                "description": "Where and why: line 0 and elementId \"\" when the problem is about the whole file."},
    "Definition": _object({"id": WHOLE, "key": TEXT, "version": WHOLE, "name": TEXT, "fileName": TEXT,
                           "deployedAt": TIME,
                           "suspended": {"type": "boolean", "description": "A suspended version starts nothing."},
                           "historyTtlDays": {"type": ["integer", "null"], "description": "Days an ended instance "
                                              "is kept (camunda:historyTimeToLive); null: the default."}}),
    "Deployed": _object({"key": TEXT, "version": WHOLE, "definitionId": WHOLE, "name": TEXT, "fileName": TEXT,
                         "new": {"type": "boolean",
                                 "description": "False when an identical file was deployed before."},
                         "kind": {"enum": ["process", "decision", "form"],
                                  "description": "A process version, a decision of a .dmn file, or a form (a .form "
                                                 "file: key is its id)."}}),
    "Decision": _object({"key": TEXT, "version": WHOLE, "name": TEXT, "fileName": TEXT, "deployedAt": TIME,
                         "definitionId": WHOLE}),
    "Evaluation": _object({
        "key": TEXT, "version": WHOLE, "name": TEXT,
        "result": {"description": "The decision's value as JSON: a value, an object for several outputs, a "
                                  "list for the hit policies that collect."},
        "matched": {"type": "array", "description": "Per decision table evaluated: the rules that gave its result.",
                    "items": _object({"decision": TEXT, "name": TEXT, "rules": {
                        "type": "array", "items": _object({"index": WHOLE, "id": TEXT})}})},
        "notes": {"type": "array", "items": TEXT, "description": "Why parts of the evaluation gave null."}},
        ("key", "version", "name", "result")),
    "InstanceSummary": _object({"id": WHOLE, "processKey": TEXT, "version": WHOLE, "businessKey": OPTIONAL_TEXT,
                                "status": {"enum": ["active", "completed", "terminated", "cancelled", "failed"]},
                                "startedAt": TIME, "endedAt": OPTIONAL_TIME, "openIncidents": WHOLE,
                                "suspended": {"type": "boolean", "description": "Nothing of it moves until it "
                                              "is resumed."}}),
    "Token": _object({"activityInstance": WHOLE, "elementId": TEXT, "elementName": TEXT, "waitingFor": TEXT}),
    "Task": _object({"id": WHOLE, "instanceId": WHOLE, "processKey": TEXT, "businessKey": OPTIONAL_TEXT,
                     "elementId": TEXT, "name": TEXT, "assignee": OPTIONAL_TEXT,
                     "candidateUsers": {"type": "array", "items": TEXT},
                     "candidateGroups": {"type": "array", "items": TEXT}, "due": OPTIONAL_TEXT,
                     "priority": WHOLE, "createdAt": TIME,
                     "followUp": {"type": ["string", "null"], "description": "When the person working on it "
                                  "wants to see it again (ISO date)."}}),
    "FormField": _object({"id": TEXT, "label": TEXT, "type": TEXT, "default": {}, "required": {"type": "boolean"},
                          "min": {"type": ["number", "null"]}, "max": {"type": ["number", "null"]},
                          "minlength": {"type": ["integer", "null"]}, "maxlength": {"type": ["integer", "null"]},
                          "pattern": OPTIONAL_TEXT, "readonly": {"type": "boolean"}, "widget": TEXT,
                          "options": {"type": "array", "items": _object({"value": TEXT, "label": TEXT})}}),
    "Job": _object({"id": WHOLE, "instanceId": {"type": ["integer", "null"]}, "kind": TEXT, "topic": TEXT,
                    "elementId": TEXT, "dueAt": OPTIONAL_TIME, "retries": WHOLE, "attempts": WHOLE,
                    "lockOwner": OPTIONAL_TEXT, "lockExpiresAt": OPTIONAL_TIME, "lastError": OPTIONAL_TEXT}),
    "BufferedMessage": _object({"id": WHOLE, "name": TEXT, "correlationKey": OPTIONAL_TEXT,
                                "messageId": OPTIONAL_TEXT, "createdAt": TIME, "expiresAt": TIME,
                                "deliveredTo": {"type": ["integer", "null"], "description": "The instance it "
                                                "reached at once (null: it waits for one); kept for its id."}}),
    "Incident": _object({"id": WHOLE, "instanceId": WHOLE, "elementId": TEXT, "message": TEXT,
                         "jobId": {"type": ["integer", "null"]}, "createdAt": TIME, "resolvedAt": OPTIONAL_TIME,
                         "processKey": TEXT, "businessKey": OPTIONAL_TEXT, "elementName": TEXT,
                         "retries": {"type": ["integer", "null"], "description": "Tries its job has left (null: "
                                     "no job; the step itself runs again)."},
                         "attempts": {"type": ["integer", "null"], "description": "Tries its job made."}}),
    "HistoryEntry": _object({"at": TIME, "kind": TEXT, "elementId": OPTIONAL_TEXT,
                             "activityInstance": {"type": ["integer", "null"]},
                             "data": {"type": ["object", "null"]}}),
    "AuditEntry": _object({
        "id": WHOLE, "at": TIME, "actor": TEXT,
        "via": {"type": "string", "description": "web, api token, command line (OS user ...), program, web login."},
        "action": {"type": "string", "description": "deploy, start, claim, unclaim, assign, complete, set_variables, "
                                                    "message, signal, cancel, retry, permission.*, account.*, "
                                                    "login.failed, encryption.rotate, audit.purge, ..."},
        "processKey": OPTIONAL_TEXT, "instanceId": {"type": ["integer", "null"]},
        "taskId": {"type": ["integer", "null"]},
        "detail": {"type": ["object", "null"], "description": "Before and after values, values submitted; "
                                                              "sensitive ones are ***."}}),
    "InstanceDetail": _object({
        "summary": _ref("InstanceSummary"), "endReason": OPTIONAL_TEXT, "variables": VARIABLES,
        "tokens": {"type": "array", "items": _ref("Token")}, "tasks": {"type": "array", "items": _ref("Task")},
        "jobs": {"type": "array", "items": _ref("Job")}, "incidents": {"type": "array", "items": _ref("Incident")},
        "history": {"type": "array", "items": _ref("HistoryEntry")}, "parentId": {"type": ["integer", "null"]}}),
    "ExternalTask": _object({
        "id": WHOLE, "topic": TEXT, "variables": VARIABLES,
        "idempotencyKey": {"type": "string", "description": "Stable for the activity instance across retries."},
        "businessKey": OPTIONAL_TEXT, "processKey": TEXT, "instanceId": WHOLE, "activityId": TEXT,
        "attempt": WHOLE, "headers": {"type": "object", "additionalProperties": TEXT},
        "traceparent": {"type": ["string", "null"],
                        "description": "The W3C trace context of the job's instance: send it on as the "
                                       "`traceparent` of the worker's own spans and calls."}}),
}

PATHS: dict[str, Any] = {
    "/openapi.json": {"get": _operation("This document", "meta", {"200": _json({"type": "object"}, "OpenAPI 3.1")},
                                        public=True)},
    "/deployments": {"post": {**_operation(
        "Deploy a .bpmn or .dmn file; each changed process or decision becomes a new version", "definitions",
        {"201": _json(_object({"deployed": {"type": "array", "items": _ref("Deployed")}}), "Deployed")},
        operators=True), "requestBody": {"required": True, "content": {"multipart/form-data": {
            "schema": _object({"file": {"type": "string", "contentMediaType": "application/octet-stream"}},
                              ("file",))}}}}},
    "/deployments/check": {"post": {**_operation(
        "Check a .bpmn, .dmn or .form file as deploying it would, without deploying: every problem, or none when "
        "it would deploy", "definitions",
        {"200": _json(_object({"problems": {"type": "array", "items": _ref("Problem")}},
                              ("problems",)), "The problems (an empty list when the file would deploy)")},
        parameters=[_query("fileName", TEXT, "The file name the problems name, whose ending (.bpmn, .dmn, .form) "
                                             "says what the file is (default diagram.bpmn).")],
        operators=True), "requestBody": {"required": True, "content": {
            "application/xml": {"schema": TEXT}, "application/json": {"schema": TEXT}}}}},
    "/decisions": {"get": _operation(
        "Deployed decision versions, by key, newest version first", "decisions",
        {"200": _json(_object({"decisions": {"type": "array", "items": _ref("Decision")}}), "Decisions")})},
    "/decisions/{key}/evaluate": {"post": _operation(
        "Evaluate the newest (or the given) version of a deployed decision with variables", "decisions",
        {"200": _json(_ref("Evaluation"), "The decision's result and the rules that matched")},
        parameters=[{"name": "key", "in": "path", "required": True, "schema": NAME,
                     "description": "The decision's id."}],
        body=_object({"variables": VARIABLES, "version": {"type": "integer", "minimum": 1, "maximum": MAX_VERSION}}),
        operators=True)},
    "/definitions": {"get": _operation(
        "Deployed process versions, newest first", "definitions",
        {"200": _json(_object({"definitions": {"type": "array", "items": _ref("Definition")}}), "Definitions")})},
    "/instances": {
        "post": _operation(
            "Start an instance of the newest (or the given) version of a process: operators start a process that "
            "names no starters, and anyone a process names as a starter starts it (403 otherwise)", "instances",
            {"201": _json(_object({"id": WHOLE, "status": TEXT,
                                   "waitingAt": {"type": "array", "items": _ref("Token")}}),
                          "Started (or, for a repeated requestKey, the instance started the first time)")},
            body=_object({"processKey": NAME, "variables": VARIABLES, "businessKey": KEY,
                          "requestKey": {**KEY, "description": "Idempotency key of the start."},
                          "version": {"type": "integer", "minimum": 1, "maximum": MAX_VERSION}}, ("processKey",)),
            parameters=[{"name": "traceparent", "in": "header", "required": False, "schema": TEXT,
                         "description": "W3C trace context: the instance's trace continues the caller's "
                                        "(ignored when it cannot be read)."}]),
        "get": _operation(
            "Instances, newest first", "instances",
            {"200": _json(_object({**COUNTED, "instances": {"type": "array", "items": _ref("InstanceSummary")}}),
                          "A page of instances")},
            parameters=[_query("process", TEXT, "Process key."), _query("status", TEXT, "active, completed, ..."),
                        _query("businessKey", TEXT, "Part of the business key."), *PAGING, _after("instance")],
            operators=True)},
    "/instances/{instance_id}": {"get": _operation(
        "An instance: where it waits, its variables, tasks, jobs, incidents and history", "instances",
        {"200": _json(_ref("InstanceDetail"), "The instance")}, parameters=[_path_id("instance_id")],
        operators=True)},
    "/instances/{instance_id}/cancel": {"post": _operation(
        "Cancel a running instance", "instances", DONE, parameters=[_path_id("instance_id")],
        body=_object({"reason": MESSAGE}), operators=True)},
    "/instances/{instance_id}/suspend": {"post": _operation(
        "Suspend a running instance (and the instances it called): nothing of it moves until it is resumed",
        "instances", DONE, parameters=[_path_id("instance_id")], operators=True)},
    "/instances/{instance_id}/resume": {"post": _operation(
        "Resume a suspended instance (and the instances it called)", "instances", DONE,
        parameters=[_path_id("instance_id")], operators=True)},
    "/instances/{instance_id}/modification": {"post": _operation(
        "Modify a running instance as Camunda's process instance modification does: cancel tokens, start before "
        "an activity or after it (its single outgoing flow), with process variables set first and each start's "
        "own variables local to the scope its token creates; the instructions run in order, all or none (400 "
        "names the one that cannot run, 409 for an ended or suspended instance)",
        "instances", {"200": _json(_object({"done": {"type": "array", "items": TEXT}, "status": TEXT,
                                            "waitingAt": {"type": "array", "items": _ref("Token")}}),
                                   "What each instruction did, and where the instance waits now")},
        parameters=[_path_id("instance_id")], operators=True,
        body=_object({"instructions": {"type": "array", "minItems": 1, "maxItems": MAX_INSTRUCTIONS,
                                       "items": _object({
                                           "type": {"enum": ["cancel", "startBeforeActivity", "startAfterActivity"]},
                                           "activityId": NAME,
                                           "activityInstanceId": {"type": "integer", "minimum": 0,
                                                                  "maximum": 2**31 - 1,
                                                                  "description": "cancel: this activity instance "
                                                                                 "only, instead of activityId."},
                                           "variables": {**VARIABLES, "description": (
                                               "startBeforeActivity, startAfterActivity: variables local to the "
                                               "activity instance the new token creates (JSON values by name).")}},
                                           ("type",))},
                      "variables": VARIABLES}, ("instructions",)))},
    "/migrations": {"post": _operation(
        "Migrate running instances to another version of their process: every element moves to the one of the "
        "same id, or the one `mapping` names. All are checked first; if one cannot be migrated, nothing is (400 "
        "with each instance's problems). With dryRun, only the check runs", "instances",
        {"200": _json(_object({"migrated": {"type": "boolean"}, "instances": {"type": "array", "items": PLAN}}),
                      "What happened (or, in a dry run, would happen) to each instance")},
        operators=True,
        body=_object({"instanceIds": {"type": "array", "minItems": 1, "maxItems": MAX_MIGRATED,
                                      "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
                      "toVersion": {"type": "integer", "minimum": 1, "maximum": MAX_VERSION},
                      "mapping": {"type": "object", "additionalProperties": {"type": "string"},
                                  "description": "Element id of the instances' version -> element id of the new one."},
                      "dryRun": {"type": "boolean"}}, ("instanceIds", "toVersion")))},
    "/instances/{instance_id}/variables": {
        "get": _operation("The instance's process variables", "instances", {"200": _json(VARIABLES, "Variables")},
                          parameters=[_path_id("instance_id")], operators=True),
        "patch": _operation("Set some process variables (the others stay)", "instances",
                            {"200": _json(VARIABLES, "All variables after the change")},
                            parameters=[_path_id("instance_id")], body=VARIABLES, operators=True)},
    "/tasks": {"get": _operation(
        "Open tasks assigned to the caller or offered to them or their groups", "tasks",
        {"200": _json(_object({**COUNTED, "tasks": {"type": "array", "items": _ref("Task")}}), "A page of tasks")},
        parameters=[_query("process", TEXT, "Process key."), _query("q", TEXT, "Part of the name or business key."),
                    _query("sort", {"enum": list(TASK_SORTS)}, "Order."),
                    _query("due", {"enum": list(DUE_FILTERS)}, "Overdue, due today, due within 7 days, without a due "
                                                               "date, or whose follow-up date has come."),
                    *PAGING, _after("task (in the same sort)")])},
    "/tasks/{task_id}": {"get": _operation(
        "A task with its form fields and the variables it sees (its own and its scopes', over the process's)",
        "tasks",
        {"200": _json({"allOf": [_ref("Task"), _object({
            "form": {"type": "array", "items": _ref("FormField")},
            "externalFormReference": {"type": ["string", "null"], "description": "The address of the task's form "
                                      "outside the inbox (Camunda 8 externalReference), which completes the task "
                                      "through this API"},
            "variables": VARIABLES})]}, "The task")},
        parameters=[_path_id("task_id")])},
    "/tasks/{task_id}/claim": {"post": _operation("Claim a task", "tasks", DONE, parameters=[_path_id("task_id")])},
    "/tasks/{task_id}/unclaim": {"post": _operation(
        "Give a claimed task back (its assignee, or an operator): it returns to the assignee the model gives it, "
        "else to its candidates", "tasks", DONE, parameters=[_path_id("task_id")])},
    "/tasks/{task_id}/assign": {"post": _operation(
        "Give a task to someone, whoever holds it now (operators and administrators)", "tasks", DONE,
        parameters=[_path_id("task_id")], body=_object({"assignee": TEXT}, ("assignee",)))},
    "/tasks/{task_id}/complete": {"post": _operation(
        "Complete a task; values are checked against its form (400 with `fields` when they do not fit)", "tasks",
        DONE, parameters=[_path_id("task_id")], body=_object({"variables": VARIABLES}))},
    "/messages": {"post": _operation(
        "Deliver a message to the instance waiting for it, or start a process that starts with it", "events",
        {"200": _json(_object({"instanceId": WHOLE}), "The instance that got it")},
        body=_object({"name": NAME, "correlationKey": KEY, "variables": VARIABLES}, ("name",)), operators=True)},
    "/messages/publish": {"post": _operation(
        "Publish a message as Zeebe does: delivered at once to the instance waiting for it (or starting a process "
        "that starts with it), else kept for its time to live for the first instance that comes to wait for it",
        "events",
        {"200": _json(_object({"instanceId": {"type": ["integer", "null"]}, "buffered": {"type": "boolean"}}),
                      "The instance that got it at once (null: none), and whether it waits in the buffer")},
        body=_object({"name": NAME, "correlationKey": KEY, "variables": VARIABLES,
                      "timeToLive": {"type": ["string", "number"], "description": "How long the message is kept: "
                                     "an ISO 8601 duration (PT1H, the default) or seconds; 0 keeps it not at all."},
                      "messageId": {**NAME, "description": "Published once while its message lives: a second "
                                    "message with the same name, correlation key and id is refused (409)."}},
                     ("name",)), operators=True)},
    "/messages/buffered": {"get": _operation(
        "The live messages in the buffer, oldest first, without their variables", "events",
        {"200": _json(_object({"messages": {"type": "array", "items": _ref("BufferedMessage")}}), "Messages")},
        parameters=[_query("name", TEXT, "Of this message only.")], operators=True)},
    "/messages/buffered/{buffered_id}": {"delete": _operation(
        "Discard a buffered message: no instance takes it, and its message id is free again", "events", DONE,
        parameters=[_path_id("buffered_id")], operators=True)},
    "/signals": {"post": _operation(
        "Broadcast a signal to every instance waiting for it", "events",
        {"200": _json(_object({"instances": WHOLE}), "How many instances it reached")},
        body=_object({"name": NAME, "variables": VARIABLES}, ("name",)), operators=True)},
    "/incidents": {"get": _operation(
        "Open incidents (all=true: also resolved ones)", "incidents",
        {"200": _json(_object({"incidents": {"type": "array", "items": _ref("Incident")}}), "Incidents")},
        parameters=[_query("all", {"enum": ["true", "false"]}, "Also resolved incidents.")], operators=True)},
    "/incidents/{incident_id}/retry": {"post": _operation(
        "Retry what failed: the job gets `retries` more tries", "incidents", DONE,
        parameters=[_path_id("incident_id")], body=_object({"retries": {"type": "integer", "minimum": 1,
                                                                        "maximum": 100}}), operators=True)},
    "/audit": {"get": _operation(
        "The audit trail, newest first: who did what, when, to which process, instance and task", "audit",
        {"200": _json(_object({"total": WHOLE, "entries": {"type": "array", "items": _ref("AuditEntry")}}),
                      "A page of entries")},
        parameters=[_query("instanceId", {"type": "integer", "minimum": 0}, "Entries about this instance."),
                    _query("user", TEXT, "What this person or program did."),
                    _query("since", TEXT, "From this time on: a date, a date and time, or an age (30m, 12h, 7d)."),
                    _query("process", TEXT, "Entries about this process."),
                    _query("action", TEXT, "This action (or family: account, permission)."), *PAGING],
        operators=True)},
    "/external-tasks/fetch-and-lock": {"post": _operation(
        "Lock up to maxTasks due service-task jobs of the given topics for a worker", "external tasks",
        {"200": _json({"type": "array", "items": _ref("ExternalTask")}, "The locked jobs (maybe none)")},
        body=_object({"workerId": WORKER, "topics": {"type": "array", "items": NAME, "minItems": 1},
                      "maxTasks": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                      "lockDuration": {"type": "integer", "minimum": 1, "maximum": MAX_LOCK, "default": 60000,
                                       "description": "Milliseconds."}}, ("workerId", "topics")),
        description=WORKERS)},
    "/external-tasks/{job_id}/extend-lock": {"post": _operation(
        "Keep the lock of a long-running job (a heartbeat)", "external tasks", DONE, parameters=[_path_id("job_id")],
        body=_object({"workerId": WORKER, "newDuration": {"type": "integer", "minimum": 1, "maximum": MAX_LOCK,
                                                          "description": "Milliseconds from now."}},
                     ("workerId",)), description=WORKERS)},
    "/external-tasks/{job_id}/complete": {"post": _operation(
        "Report a job done, with output variables", "external tasks", DONE, parameters=[_path_id("job_id")],
        body=_object({"workerId": WORKER, "variables": VARIABLES}, ("workerId",)), description=WORKERS)},
    "/external-tasks/{job_id}/failure": {"post": _operation(
        "Report a failed job: it is tried again after retryTimeout while retries are left, else an incident "
        "is raised", "external tasks",
        {"200": _json(_object({"incident": {"type": "boolean"}}), "Whether an incident was raised")},
        parameters=[_path_id("job_id")],
        body=_object({"workerId": WORKER, "errorMessage": MESSAGE, "errorDetails": MESSAGE,
                      "retries": {"type": "integer", "minimum": 0, "maximum": MAX_RETRIES,
                                  "description": "Tries left (default: one less)."},
                      "retryTimeout": {"type": "integer", "minimum": 0, "maximum": MAX_RETRY_TIMEOUT,
                                       "description": "Milliseconds."}},
                     ("workerId",)), description=WORKERS)},
    "/external-tasks/{job_id}/bpmn-error": {"post": _operation(
        "Report a business error; the model's error boundary event takes over", "external tasks", DONE,
        parameters=[_path_id("job_id")],
        body=_object({"workerId": WORKER, "errorCode": NAME, "errorMessage": MESSAGE, "variables": VARIABLES},
                     ("workerId", "errorCode")), description=WORKERS)},
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "bpmn-runtime API", "version": "1",
                 "description": "Deploy and run BPMN 2.0 processes, work on user tasks, and run service tasks as "
                                "an external worker. Authenticate with `Authorization: Bearer <token>`; "
                                "`bpmn-runtime user token NAME` makes a token."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
