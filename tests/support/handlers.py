"""The handlers as tests call them: ``local.stack.lambdas``, which the local stack calls them with too."""

from local.stack.lambdas import LambdaContextStub, http_api_event, load_handler_module, sqs_event, stream_event

__all__ = ["LambdaContextStub", "http_api_event", "load_handler_module", "sqs_event", "stream_event"]
