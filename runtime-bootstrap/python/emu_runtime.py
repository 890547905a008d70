"""emu's Python runtime: runs inside every Python sandbox and speaks the Lambda Runtime API
2018-06-01 to AWS_LAMBDA_RUNTIME_API, behaving as AWS's runtime interface client (awslambdaric)
does: its handler loading, error payloads, context object and log formats. Standard library
only, and no import before the first answer that a no-op handler does not need: json, logging,
socket and traceback pull in re and enum, most of a cold start's cost (docs/python-runtime.md).
See docs/python-runtime.md for the awslambdaric file and line behind each behaviour."""

import os
import sys
import time

import emu_fast_json as fast_json
import emu_lambda_logging as lambda_logging
from emu_runtime_api import RuntimeApiClient

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)
# Python 3.12+ runtimes keep non-ASCII characters as they are in results; older ones escape them.
ENSURE_ASCII = os.environ.get("AWS_EXECUTION_ENV") not in {"AWS_Lambda_python3.12", "AWS_Lambda_python3.13", "AWS_Lambda_python3.14", "AWS_Lambda_python3.15"}

# The runtime's own folder would shadow the function's modules: the task root takes its place,
# once the sibling modules are imported.
sys.path[0] = TASK_ROOT


class Fault(Exception):
    """A failure the runtime names itself (Runtime.*), with AWS's message."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


# --- handler loading --------------------------------------------------------------------------

def load_handler(handler):
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as error:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '{}': {}".format(handler, error))
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise Fault("Runtime.BuiltInModuleConflict", "Cannot use built-in module {} as a handler module".format(module_name))
        name = module_name.replace("/", ".")
        __import__(name)  # importlib.import_module, without importing importlib
        module = sys.modules[name]
    except ImportError as error:
        raise Fault("Runtime.ImportModuleError", "Unable to import module '{}': {}".format(module_name, error))
    except SyntaxError as error:
        trace = ['  File "%s" Line %s\n    %s' % (error.filename, error.lineno, error.text)]
        raise Fault("Runtime.UserCodeSyntaxError", "Syntax error in module '{}': {}".format(module_name, error), trace)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound", "Handler '{}' missing on module '{}'".format(function_name, module_name))


# --- the context object -----------------------------------------------------------------------

class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client(object):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]


def from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


class LambdaContext(object):
    def __init__(self, headers):
        env = os.environ
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id") or None
        client_context = json_header(headers.get("Lambda-Runtime-Client-Context"), "Client Context")
        self.client_context = from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = from_dict(Client, self.client_context.client)
        cognito = json_header(headers.get("Lambda-Runtime-Cognito-Identity"), "Cognito Identity")
        self.identity = from_dict(CognitoIdentity, {})
        if cognito is not None:
            self.identity.cognito_identity_id = cognito.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito.get("cognitoIdentityPoolId")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)

    def get_remaining_time_in_millis(self):
        remaining_ms = self._deadline_ms - int(time.time() * 1000)
        return remaining_ms if remaining_ms > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))


def json_header(value, name):
    if not value:
        return None
    try:
        return fast_json.loads(value)
    except Exception as error:
        raise Fault("Runtime.LambdaContextUnmarshalError", "Unable to parse {} JSON: {}".format(name, error))


# --- errors and logs --------------------------------------------------------------------------

def error_payload(message, error_type, stack_trace, invoke_id=None):
    return {"errorMessage": message or "", "errorType": error_type or "", "requestId": invoke_id or "", "stackTrace": stack_trace or []}


def user_frames(tb):
    """The traceback from the first frame outside the runtime, as RIC trims it."""
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if not frame[0].startswith(RUNTIME_DIR):
            return frames[i:]
    return frames


def exception_payload(invoke_id=None):
    import traceback

    error_type, value, tb = sys.exc_info()
    return error_payload(str(value), error_type.__name__, traceback.format_list(user_frames(tb)), invoke_id)


def to_json(value):
    return fast_json.dumps(value, ENSURE_ASCII)


# --- the Runtime API --------------------------------------------------------------------------

runtime_api = RuntimeApiClient(API)
call = runtime_api.call


def post_result(invoke_id, body, content_type):
    call("POST", "/invocation/%s/response" % invoke_id, body, {"Content-Type": content_type})


def post_error(invoke_id, payload, xray_cause):
    headers = {"Content-Type": "application/json", "Lambda-Runtime-Function-XRay-Error-Cause": xray_cause}
    call("POST", "/invocation/%s/error" % invoke_id, to_json(payload).encode("utf-8"), headers)


def post_init_error(payload):
    call("POST", "/init/error", to_json(payload).encode("utf-8"), {ERROR_TYPE_HEADER: payload["errorType"], "Content-Type": "application/json"})


# --- the loop ---------------------------------------------------------------------------------

def marshal(result):
    if isinstance(result, bytes):
        return result, "application/unknown"
    try:
        return to_json(result).encode("utf-8"), "application/json"
    except Exception as error:
        raise Fault("Runtime.MarshalError", "Unable to marshal response: {}".format(error))


def unmarshal(body, content_type):
    if content_type != "application/json":
        return body
    try:
        return fast_json.loads(body)
    except Exception as error:
        raise Fault("Runtime.UnmarshalError", "Unable to unmarshal input: {}".format(error))


def xray_fault(error_type, message, frames):
    stack = [{"label": name, "path": file, "line": line} for file, line, name, _ in frames]
    fault = {"working_directory": os.getcwd(), "exceptions": [{"message": message, "type": error_type, "stack": stack}], "paths": list({f[0] for f in frames})}
    text = to_json(fault)
    return text if len(text.encode()) < 1024 * 1024 else ""


def invoke(handler, headers, body):
    invoke_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    try:
        context = LambdaContext(headers)
        event = unmarshal(body, headers.get("Content-Type"))
        result, content_type = marshal(handler(event, context))
    except Fault as fault:
        payload = error_payload(fault.message, fault.error_type, fault.trace, invoke_id)
        cause = xray_fault("LambdaValidationError", fault.message, [])
    except Exception:
        error_type, value, tb = sys.exc_info()
        payload = exception_payload(invoke_id)
        cause = xray_fault(error_type.__name__, str(value), user_frames(tb))
    else:
        post_result(invoke_id, result, content_type)
        return
    lambda_logging.log_error(payload, to_json)
    post_error(invoke_id, payload, cause)


def init():
    try:
        lambda_logging.set_up_on_import()
        return load_handler(os.environ.get("_HANDLER", ""))
    except Fault as fault:
        payload = error_payload(fault.message, fault.error_type, fault.trace)
    except Exception:
        payload = exception_payload()
        payload["requestId"] = ""
    import logging

    logging.warning(UNHANDLED_WARNING)
    lambda_logging.log_error(payload, to_json)
    post_init_error(payload)
    sys.exit(1)


def main():
    handler = init()
    while True:
        try:
            status, headers, body = call("GET", "/invocation/next")
        except OSError:
            sys.exit(1)  # the Runtime API is gone: the sandbox is being retired
        if status != 200:
            sys.exit(1)
        lambda_logging.request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        lambda_logging.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id") or None
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        invoke(handler, headers, body)


if __name__ == "__main__":
    main()
