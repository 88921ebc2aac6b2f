"""For each rule the deployment check enforces: a model that breaks it, where, and a model that keeps it."""
from __future__ import annotations

from tests.rules.models import FORMAL, Case, chain, definitions, file_with, flow, process, straight

T = '<bpmn:task id="t"/>'
POOLS = ('<bpmn:collaboration id="c"><bpmn:participant id="pool" processRef="p"/>'
         '<bpmn:participant id="other"/>{}</bpmn:collaboration>')


def message_flow(source: str, target: str) -> str:
    return POOLS.format(f'<bpmn:messageFlow id="mf" sourceRef="{source}" targetRef="{target}"/>')


def timer(kind: str = "timeDuration", text: str = "PT1M", extra: str = FORMAL) -> str:
    return f"<bpmn:timerEventDefinition><bpmn:{kind} {extra}>{text}</bpmn:{kind}></bpmn:timerEventDefinition>"


def catch(definition: str, event_id: str = "t") -> str:
    return f'<bpmn:intermediateCatchEvent id="{event_id}">{definition}</bpmn:intermediateCatchEvent>'


def throw(definition: str, event_id: str = "t") -> str:
    return f'<bpmn:intermediateThrowEvent id="{event_id}">{definition}</bpmn:intermediateThrowEvent>'


def io(inputs: str = "", outputs: str = "", input_sets: str = "", output_sets: str = "") -> str:
    return (f"<bpmn:ioSpecification>{inputs}{outputs}{input_sets or '<bpmn:inputSet/>'}"
            f"{output_sets or '<bpmn:outputSet/>'}</bpmn:ioSpecification>")


def data_input(ident: str, item: str = "text", extra: str = "") -> str:
    return f'<bpmn:dataInput id="{ident}" itemSubjectRef="{item}" {extra}/>'


def data_output(ident: str, item: str = "text", extra: str = "") -> str:
    return f'<bpmn:dataOutput id="{ident}" itemSubjectRef="{item}" {extra}/>'


def input_set(*refs: str, extra: str = "", attributes: str = "") -> str:
    return (f'<bpmn:inputSet {attributes}>{"".join(f"<bpmn:dataInputRefs>{r}</bpmn:dataInputRefs>" for r in refs)}'
            f"{extra}</bpmn:inputSet>")


def output_set(*refs: str, extra: str = "", attributes: str = "") -> str:
    return (f'<bpmn:outputSet {attributes}>'
            f'{"".join(f"<bpmn:dataOutputRefs>{r}</bpmn:dataOutputRefs>" for r in refs)}{extra}</bpmn:outputSet>')


def gateway_split(gateway: str, direction: str = "") -> str:
    """s -> g -> a, b -> e, f."""
    return (f'<bpmn:startEvent id="s"/><bpmn:{gateway} id="g" {direction}/><bpmn:task id="a"/><bpmn:task id="b"/>'
            f'<bpmn:endEvent id="e"/><bpmn:endEvent id="f"/>{chain("s", "g", "a", "e")}{chain("g", "b", "f")}')


def gateway_join(gateway: str, direction: str = "") -> str:
    """s -> a, b -> g -> e."""
    return (f'<bpmn:startEvent id="s"/><bpmn:task id="a"/><bpmn:task id="b"/><bpmn:{gateway} id="g" {direction}/>'
            f'<bpmn:endEvent id="e"/>{chain("s", "a", "g", "e")}{chain("s", "b", "g")}')


def event_subprocess(start: str, extra: str = "", attributes: str = "") -> str:
    return (f'<bpmn:subProcess id="ev" triggeredByEvent="true" {attributes}>{start}<bpmn:endEvent id="ee"/>'
            f'{chain("es", "ee")}{extra}</bpmn:subProcess>')


def message_start(ident: str = "es", attributes: str = "") -> str:
    return f'<bpmn:startEvent id="{ident}" {attributes}><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>'


def subprocess(inner: str, ident: str = "t", attributes: str = "") -> str:
    return f'<bpmn:subProcess id="{ident}" {attributes}>{inner}</bpmn:subProcess>'


INNER = f'<bpmn:startEvent id="is"/><bpmn:task id="it"/><bpmn:endEvent id="ie"/>{chain("is", "it", "ie")}'


def service(spec: str) -> str:
    return f'<bpmn:serviceTask id="t" operationRef="op">{spec}</bpmn:serviceTask>'


SERVICE_IO = io(data_input("in"), data_output("out"), input_set("in"), output_set("out"))


def send(spec: str) -> str:
    return f'<bpmn:sendTask id="t" messageRef="m">{spec}</bpmn:sendTask>'


def receive(spec: str, attributes: str = "") -> str:
    return f'<bpmn:receiveTask id="t" messageRef="m" {attributes}>{spec}</bpmn:receiveTask>'


def multi(loop: str, spec: str = "") -> str:
    return f'<bpmn:task id="t">{spec}<bpmn:multiInstanceLoopCharacteristics>{loop}' \
           f'</bpmn:multiInstanceLoopCharacteristics></bpmn:task>'


CARDINALITY = f"<bpmn:loopCardinality {FORMAL}>2</bpmn:loopCardinality>"
LIST_IO = io(data_input("items", "texts", 'isCollection="true"'), data_output("results", "texts", 'isCollection="true"'),
             input_set("items"), output_set("results"))


def boundary(definition: str, attributes: str = "", attached: str = "t", ident: str = "b") -> str:
    return f'<bpmn:boundaryEvent id="{ident}" attachedToRef="{attached}" {attributes}>{definition}</bpmn:boundaryEvent>'


def with_boundary(definition: str, attributes: str = "", task: str = T) -> str:
    """start -> task t -> end, and a boundary event b on t leading to its own end."""
    return straight(task, extra=boundary(definition, attributes) + '<bpmn:endEvent id="be"/>' + flow("b", "be"))


HANDLER = '<bpmn:task id="undo" isForCompensation="true"/>'
ASSOCIATION = '<bpmn:association id="as" sourceRef="b" targetRef="undo" associationDirection="One"/>'
COMPENSATION = HANDLER + ASSOCIATION


def compensable(handler: str = COMPENSATION, outgoing: str = "") -> str:
    """start -> t -> end, t with a compensation boundary event b, `outgoing` flows, then the handler (whose
    association, an artifact, comes after every flow element)."""
    return straight(T, extra=boundary("<bpmn:compensateEventDefinition/>") + outgoing + handler)


def event_gateway(*targets: str, extra: str = "") -> str:
    """s -> event-based gateway g -> each target (ids x0, x1, ...) -> end e."""
    nodes = "".join(targets)
    flows = "".join(flow("g", f"x{i}") + flow(f"x{i}", "e") for i in range(len(targets)))
    return f'<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>{nodes}<bpmn:endEvent id="e"/>' \
           f'{flow("s", "g")}{flows}{extra}'


MESSAGE = '<bpmn:messageEventDefinition messageRef="m"/>'


def links(throw_definition: str, catch_definition: str, throw_extra: str = "", catch_extra: str = "") -> str:
    """s -> link throw j ... link catch k -> e."""
    return (f'<bpmn:startEvent id="s"/>{throw(throw_definition, "j")}{catch(catch_definition, "k")}'
            f'<bpmn:endEvent id="e"/>{flow("s", "j")}{flow("k", "e")}{throw_extra}{catch_extra}')


def link(name: str, ident: str, child: str = "") -> str:
    return f'<bpmn:linkEventDefinition id="{ident}" name="{name}">{child}</bpmn:linkEventDefinition>'


DATA_OBJECT = '<bpmn:dataObject id="do" itemSubjectRef="{item}"/><bpmn:dataObjectReference id="dr" dataObjectRef="do"/>'


TYPED_INPUT = io(data_input("tin", "a"), input_sets=input_set("tin"))


def reading_task(association: str, item: str = "text") -> str:
    return (f'<bpmn:task id="t">{io(data_input("tin"), input_sets=input_set("tin"))}{association}</bpmn:task>'
            + DATA_OBJECT.format(item=item))


def association(*sources: str, target: str = "tin", tag: str = "dataInputAssociation", inner: str = "") -> str:
    refs = "".join(f"<bpmn:sourceRef>{s}</bpmn:sourceRef>" for s in sources)
    return f'<bpmn:{tag} id="da">{refs}<bpmn:targetRef>{target}</bpmn:targetRef>{inner}</bpmn:{tag}>'


def called(start: str) -> str:
    return process(f'{start}<bpmn:endEvent id="qe"/>{flow("qs", "qe")}', process_id="q")


def task_io(spec: str) -> str:
    return f'<bpmn:task id="t">{spec}</bpmn:task>'


AB_IN, AB_OUT = data_input("a") + data_input("b"), data_output("a") + data_output("b")
IS, OS = 'id="is"', 'id="os"'
OPTIONAL_B = "<bpmn:optionalInputRefs>b</bpmn:optionalInputRefs>"
WHILE_B = "<bpmn:whileExecutingInputRefs>b</bpmn:whileExecutingInputRefs>"
TO_OS, TO_IS = "<bpmn:outputSetRefs>os</bpmn:outputSetRefs>", "<bpmn:inputSetRefs>is</bpmn:inputSetRefs>"


SERVICE_SPEC = io(data_input("pin"), data_output("pout"), input_set("pin"), output_set("pout"))
BINDING = '<bpmn:ioBinding operationRef="op" inputDataRef="pin" outputDataRef="pout"/>'


def global_task(content: str) -> str:
    """A global task offered as the service of interface if1, with `content` (ioSpecification, ioBindings)."""
    return f'<bpmn:globalTask id="gt"><bpmn:supportedInterfaceRef>if1</bpmn:supportedInterfaceRef>{content}</bpmn:globalTask>'


def in_pool(body: str, parts: str) -> bytes:
    return file_with(body, parts=parts)


CASES = [
    Case("EXT.001", "", definitions(process(straight(T)), imports='<bpmn:import location="missing.bpmn" '
                                    'importType="http://www.omg.org/spec/BPMN/20100524/MODEL" '
                                    'namespace="http://example.com/missing"/>'),
         definitions(process(straight(T)), imports='<bpmn:import importType="http://www.w3.org/2001/XMLSchema" '
                                                   'location="types.xsd" namespace="http://example.com/types"/>')),
    Case("EXT.002", "t", file_with(straight(T, extra='<bpmn:task id="t"/>')), file_with(straight(T))),
    Case("EXT.003", "", file_with(straight(T, extra="<bpmn:task/>")), file_with(straight(T))),
    Case("EXT.004", "t", file_with(straight('<bpmn:task id="t"><bpmn:documentation textFormat="plain"/></bpmn:task>')),
         file_with(straight('<bpmn:task id="t"><bpmn:documentation textFormat="text/plain"/></bpmn:task>'))),
    Case("EXT.006", "s_a", file_with(straight(T, extra='<bpmn:textAnnotation id="a"/>' + flow("s", "a"))),
         file_with(straight(T, extra='<bpmn:textAnnotation id="a"/><bpmn:association id="as" sourceRef="a" '
                                     'targetRef="t"/>'))),
    Case("EXT.007", "a_t", file_with(straight(T, extra='<bpmn:textAnnotation id="a"/>' + flow("a", "t"))),
         file_with(straight(T, extra='<bpmn:textAnnotation id="a"/>'))),
    Case("EXT.008", "mf", in_pool(straight(T), POOLS.format('<bpmn:textAnnotation id="a"/><bpmn:messageFlow id="mf" '
                                                            'sourceRef="t" targetRef="a"/>')),
         in_pool(straight(T), message_flow("t", "other"))),
    Case("EXT.009", "mf", in_pool(straight(T), POOLS.format('<bpmn:textAnnotation id="a"/><bpmn:messageFlow id="mf" '
                                                            'sourceRef="a" targetRef="t"/>')),
         in_pool(straight(T), message_flow("other", "t"))),
    Case("EXT.010", "a", file_with(straight(T, extra='<bpmn:textAnnotation id="a" textFormat="nonsense"/>')),
         file_with(straight(T, extra='<bpmn:textAnnotation id="a" textFormat="text/plain"/>'))),
    Case("EXT.011", "t", file_with(straight(throw('<bpmn:escalationEventDefinition escalationRef="nocode"/>'))),
         file_with(straight(throw('<bpmn:escalationEventDefinition escalationRef="esc"/>')))),
    Case("EXT.012", "t", file_with(straight(catch(timer(extra="")))),
         file_with(straight(catch(timer())))),
    Case("EXT.012", "t", file_with(straight(catch(timer(extra="")))),
         file_with(straight(catch(timer(extra=""))), attributes=' xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'),
         name="engine-file"),
    Case("EXT.013", "t", file_with(straight(catch(timer(text="")))), file_with(straight(catch(timer())))),
    Case("EXT.014", "t", file_with(straight(catch(timer(extra=f'{FORMAL} language="50%off"')))),
         file_with(straight(catch(timer(extra=f'{FORMAL} language="http://www.w3.org/1999/XPath"'))))),
    Case("EXPR.LANGUAGE", "t", file_with(straight(catch(timer(extra=f'{FORMAL} language="http://groovy.codehaus.org/"')))),
         file_with(straight(catch(timer(extra=f'{FORMAL} language="https://www.omg.org/spec/DMN/20191111/FEEL/"'))))),
    Case("EXPR.LANGUAGE", "t", file_with(straight(catch(timer())), attributes=' expressionLanguage="javascript"'),
         file_with(straight(catch(timer())), attributes=' expressionLanguage="http://www.w3.org/1999/XPath"'),
         name="definitions"),
    Case("EXT.017", "g", file_with(gateway_split("exclusiveGateway", 'gatewayDirection="Converging"')),
         file_with(gateway_split("exclusiveGateway", 'gatewayDirection="Diverging"'))),
    Case("EXT.018", "g", file_with(gateway_join("exclusiveGateway", 'gatewayDirection="Diverging"')),
         file_with(gateway_join("exclusiveGateway", 'gatewayDirection="Converging"'))),
    Case("EXT.019", "g", file_with(gateway_join("exclusiveGateway", 'gatewayDirection="Mixed"')),
         file_with(gateway_join("exclusiveGateway"))),
    Case("EXT.020", "do", file_with(straight(T, extra='<bpmn:dataObject id="do" itemSubjectRef="texts"/>')),
         file_with(straight(T, extra='<bpmn:dataObject id="do" itemSubjectRef="texts" isCollection="true"/>'))),
    Case("EXT.021", "ev_t", file_with(straight(T, extra=event_subprocess(message_start()) + flow("ev", "t"))),
         file_with(straight(T, extra=event_subprocess(message_start())))),
    Case("EXT.022", "t_ev", file_with(straight(T, extra=event_subprocess(message_start()) + flow("t", "ev"))),
         file_with(straight(T, extra=event_subprocess(message_start())))),
    Case("EXT.023", "t", file_with('<bpmn:startEvent id="s"><bpmn:outgoing>s_t</bpmn:outgoing></bpmn:startEvent>'
                                   '<bpmn:task id="t"><bpmn:incoming>s_t</bpmn:incoming></bpmn:task>'
                                   '<bpmn:endEvent id="e"><bpmn:incoming>t_e</bpmn:incoming></bpmn:endEvent>'
                                   + chain("s", "t", "e")),
         file_with('<bpmn:startEvent id="s"><bpmn:outgoing>s_t</bpmn:outgoing></bpmn:startEvent>'
                   '<bpmn:task id="t"><bpmn:incoming>s_t</bpmn:incoming><bpmn:outgoing>t_e</bpmn:outgoing></bpmn:task>'
                   '<bpmn:endEvent id="e"><bpmn:incoming>t_e</bpmn:incoming></bpmn:endEvent>' + chain("s", "t", "e"))),
    Case("EXT.024", "s_t", file_with('<bpmn:startEvent id="s"/><bpmn:task id="t"/><bpmn:endEvent id="e"/>'
                                     + flow("s", "t", attributes='isImmediate="false"') + flow("t", "e")),
         file_with('<bpmn:startEvent id="s"/><bpmn:task id="t"/><bpmn:endEvent id="e"/>'
                   + flow("s", "t", attributes='isImmediate="true"') + flow("t", "e"))),
    Case("EXT.025", "t", file_with('<bpmn:startEvent id="s"/><bpmn:task id="t"/><bpmn:endEvent id="e"/>'
                                   + flow("s", "t") + flow("t", "e", condition="amount &gt; 1")),
         file_with('<bpmn:startEvent id="s"/><bpmn:task id="t" default="t_f"/><bpmn:endEvent id="e"/>'
                   '<bpmn:endEvent id="f"/>' + flow("s", "t") + flow("t", "e", condition="amount &gt; 1")
                   + flow("t", "f"))),
    Case("EXT.026", "t", file_with('<bpmn:startEvent id="s"/><bpmn:task id="t" default="s_t"/><bpmn:endEvent id="e"/>'
                                   + chain("s", "t", "e")),
         file_with('<bpmn:startEvent id="s"/><bpmn:task id="t" default="t_f"/><bpmn:endEvent id="e"/>'
                   '<bpmn:endEvent id="f"/>' + flow("s", "t") + flow("t", "e", condition="amount &gt; 1")
                   + flow("t", "f"))),
    Case("EXT.027", "ch", definitions('<bpmn:choreography id="ch"><bpmn:choreographyRef>ch2</bpmn:choreographyRef>'
                                      '</bpmn:choreography><bpmn:choreography id="ch2"/>', process(straight(T))),
         definitions('<bpmn:collaboration id="co"><bpmn:choreographyRef>ch2</bpmn:choreographyRef>'
                     '</bpmn:collaboration><bpmn:choreography id="ch2"/>', process(straight(T)))),
    Case("EXT.028", "t_x", definitions(process(straight(T), flow("t", "x")),
                                       process('<bpmn:task id="x"/>', process_id="q", attributes='isExecutable="false"')),
         definitions(process(straight(T)), process('<bpmn:task id="x"/>', process_id="q",
                                                   attributes='isExecutable="false"'))),
    Case("EXT.029", "pool", in_pool(straight(T), '<bpmn:collaboration id="c"><bpmn:participant id="pool" processRef="p">'
                                                 '<bpmn:participantMultiplicity minimum="-1"/></bpmn:participant>'
                                                 '</bpmn:collaboration>'),
         in_pool(straight(T), '<bpmn:collaboration id="c"><bpmn:participant id="pool" processRef="p">'
                              '<bpmn:participantMultiplicity minimum="0"/></bpmn:participant></bpmn:collaboration>')),
    Case("EXT.030", "pool", in_pool(straight(T), '<bpmn:collaboration id="c"><bpmn:participant id="pool" processRef="p">'
                                                 '<bpmn:participantMultiplicity minimum="3"/></bpmn:participant>'
                                                 '</bpmn:collaboration>'),
         in_pool(straight(T), '<bpmn:collaboration id="c"><bpmn:participant id="pool" processRef="p">'
                              '<bpmn:participantMultiplicity minimum="3" maximum="5"/></bpmn:participant>'
                              '</bpmn:collaboration>')),
    Case("EXT.031", "mf", in_pool(straight(T), message_flow("t", "pool")), in_pool(straight(T), message_flow("t", "other"))),
    Case("EXT.032", "ta", definitions('<bpmn:globalConversation id="gc"><bpmn:textAnnotation id="ta"/>'
                                      '</bpmn:globalConversation>', process(straight(T))),
         definitions('<bpmn:globalConversation id="gc"><bpmn:participant id="one"/></bpmn:globalConversation>',
                     process(straight(T)))),
    Case("EXT.033", "co", definitions('<bpmn:collaboration id="co" isClosed="true"><bpmn:choreographyRef>ch'
                                      '</bpmn:choreographyRef></bpmn:collaboration><bpmn:choreography id="ch"/>',
                                      process(straight(T))),
         definitions('<bpmn:collaboration id="co" isClosed="true"><bpmn:choreographyRef>ch</bpmn:choreographyRef>'
                     '</bpmn:collaboration><bpmn:choreography id="ch" isClosed="true"/>', process(straight(T)))),
    Case("EXT.035", "p", definitions(process(straight(T), attributes='isExecutable="true" processType="Public"')),
         definitions(process(straight(T), attributes='isExecutable="true" processType="Private"'))),
    Case("EXT.036", "ct", definitions('<bpmn:collaboration id="c"><bpmn:participant id="one"/><bpmn:participant '
                                      'id="two"/></bpmn:collaboration>',
                                      process(straight(T), '<bpmn:choreographyTask id="ct" initiatingParticipantRef="one">'
                                                           '<bpmn:participantRef>one</bpmn:participantRef>'
                                                           '<bpmn:participantRef>two</bpmn:participantRef>'
                                                           '</bpmn:choreographyTask>')),
         definitions('<bpmn:collaboration id="c"><bpmn:participant id="one"/><bpmn:participant id="two"/>'
                     '</bpmn:collaboration>', process(straight(T)))),
    Case("EXT.037", "t", file_with(straight('<bpmn:task id="t" startQuantity="0"/>')),
         file_with(straight('<bpmn:task id="t" startQuantity="1"/>'))),
    Case("EXT.038", "t", file_with(straight('<bpmn:task id="t" completionQuantity="0"/>')),
         file_with(straight('<bpmn:task id="t" completionQuantity="1"/>'))),
    Case("EXT.042", "t", file_with(straight(service(""))), file_with(straight(service(SERVICE_IO)))),
    Case("EXT.043", "t", file_with(straight(service(io(data_input("in"), data_output("out"), input_set("in"),
                                                       output_set("out") + output_set("out"))))),
         file_with(straight(service(SERVICE_IO)))),
    Case("EXT.044", "in", file_with(straight(service(io(data_input("in", "number"), data_output("out"),
                                                        input_set("in"), output_set("out"))))),
         file_with(straight(service(SERVICE_IO)))),
    Case("EXT.045", "out", file_with(straight(service(io(data_input("in"), data_output("out", "number"),
                                                         input_set("in"), output_set("out"))))),
         file_with(straight(service(SERVICE_IO)))),
    Case("EXT.046", "t", file_with(straight(send(io(data_input("in"), input_sets=input_set("in") + input_set("in"))))),
         file_with(straight(send(io(data_input("in"), input_sets=input_set("in")))))),
    Case("EXT.047", "t", file_with(straight(send(io(data_input("in") + data_input("in2"),
                                                    input_sets=input_set("in", "in2"))))),
         file_with(straight(send(io(data_input("in"), input_sets=input_set("in")))))),
    Case("EXT.048", "in", file_with(straight(send(io(data_input("in", "number"), input_sets=input_set("in"))))),
         file_with(straight(send(io(data_input("in"), input_sets=input_set("in")))))),
    Case("EXT.049", "t", file_with(straight(receive("", 'instantiate="true"'))),
         file_with(straight(receive("", 'instantiate="false"')))),
    Case("EXT.050", "t", file_with(straight(receive(io(outputs=data_output("out"),
                                                       output_sets=output_set("out") + output_set("out"))))),
         file_with(straight(receive(io(outputs=data_output("out"), output_sets=output_set("out")))))),
    Case("EXT.051", "t", file_with(straight(receive(io(outputs=data_output("out") + data_output("out2"),
                                                       output_sets=output_set("out", "out2"))))),
         file_with(straight(receive(io(outputs=data_output("out"), output_sets=output_set("out")))))),
    Case("EXT.052", "out", file_with(straight(receive(io(outputs=data_output("out", "number"),
                                                         output_sets=output_set("out"))))),
         file_with(straight(receive(io(outputs=data_output("out"), output_sets=output_set("out")))))),
    Case("EXT.056", "ct", definitions('<bpmn:collaboration id="c"><bpmn:participant id="one"/><bpmn:participant '
                                      'id="two"/></bpmn:collaboration>',
                                      process(straight(subprocess(INNER + '<bpmn:choreographyTask id="ct" '
                                                                  'initiatingParticipantRef="one"><bpmn:participantRef>'
                                                                  'one</bpmn:participantRef><bpmn:participantRef>two'
                                                                  '</bpmn:participantRef></bpmn:choreographyTask>')))),
         definitions(process(straight(subprocess(INNER))))),
    Case("EXT.057", "ev", file_with(straight(T, extra=event_subprocess(message_start()) + flow("t", "ev"))),
         file_with(straight(T, extra=event_subprocess(message_start())))),
    Case("EXT.058", "ev", file_with(straight(T, extra=event_subprocess(message_start() + message_start("es2"),
                                                                       flow("es2", "ee")))),
         file_with(straight(T, extra=event_subprocess(message_start())))),
    Case("EXT.059", "ev", file_with(straight(T, extra=event_subprocess('<bpmn:startEvent id="es"/>'))),
         file_with(straight(T, extra=event_subprocess(message_start())))),
    Case("EXT.059", "es", file_with(straight(T, extra=event_subprocess(
        '<bpmn:startEvent id="es" isInterrupting="false"><bpmn:errorEventDefinition errorRef="err"/>'
        '</bpmn:startEvent>'))),
         file_with(straight(T, extra=event_subprocess(
             '<bpmn:startEvent id="es" isInterrupting="false"><bpmn:signalEventDefinition signalRef="sig"/>'
             '</bpmn:startEvent>'))), name="non-interrupting-error"),
    Case("EXT.061", "t", file_with(straight('<bpmn:adHocSubProcess id="t"/>')),
         file_with(straight('<bpmn:adHocSubProcess id="t"><bpmn:task id="inner"/></bpmn:adHocSubProcess>'))),
    Case("EXT.062", "inner", file_with(straight('<bpmn:adHocSubProcess id="t"><bpmn:task id="work"/>'
                                                '<bpmn:startEvent id="inner"/></bpmn:adHocSubProcess>')),
         file_with(straight('<bpmn:adHocSubProcess id="t"><bpmn:task id="work"/></bpmn:adHocSubProcess>'))),
    Case("EXT.063", "t", definitions(process(straight('<bpmn:callActivity id="t" calledElement="q"/>')),
                                     process(io(data_input("need"), input_sets=input_set("need")),
                                             f'<bpmn:startEvent id="qs"/><bpmn:endEvent id="qe"/>{flow("qs", "qe")}',
                                             process_id="q")),
         definitions(process(straight('<bpmn:callActivity id="t" calledElement="q"/>')),
                     process(f'<bpmn:startEvent id="qs"/><bpmn:endEvent id="qe"/>{flow("qs", "qe")}', process_id="q"))),
    Case("EXT.064", "gt", definitions(global_task(""), process(straight(T))),
         definitions(global_task(SERVICE_SPEC + BINDING), process(straight(T)))),
    Case("EXT.065", "gt", definitions(global_task(SERVICE_SPEC.replace('"pin" itemSubjectRef="text"',
                                                                       '"pin" itemSubjectRef="number"') + BINDING),
                                      process(straight(T))),
         definitions(global_task(SERVICE_SPEC + BINDING), process(straight(T)))),
    Case("EXT.067", "t", file_with(straight(multi(""))), file_with(straight(multi(CARDINALITY)))),
    Case("EXT.068", "t", file_with(straight(multi("<bpmn:loopDataInputRef>do</bpmn:loopDataInputRef>"),
                                            extra='<bpmn:dataObject id="do" itemSubjectRef="texts" '
                                                  'isCollection="true"/>')),
         file_with(straight(multi("<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>", LIST_IO)))),
    Case("EXT.069", "oi", file_with(straight(multi(CARDINALITY + "<bpmn:loopDataOutputRef>results"
                                                   "</bpmn:loopDataOutputRef><bpmn:outputDataItem id=\"oi\" "
                                                   "itemSubjectRef=\"texts\" isCollection=\"true\"/>", LIST_IO))),
         file_with(straight(multi(CARDINALITY + "<bpmn:loopDataOutputRef>results</bpmn:loopDataOutputRef>"
                                  "<bpmn:outputDataItem id=\"oi\" itemSubjectRef=\"text\"/>", LIST_IO)))),
    Case("EXT.070", "ii", file_with(straight(multi("<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>"
                                                   "<bpmn:inputDataItem id=\"ii\" itemSubjectRef=\"number\"/>",
                                                   LIST_IO))),
         file_with(straight(multi("<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>"
                                  "<bpmn:inputDataItem id=\"ii\" itemSubjectRef=\"text\"/>", LIST_IO)))),
    Case("EXT.071", "t", file_with(straight(multi(CARDINALITY + f"<bpmn:completionCondition {FORMAL}>23"
                                                                "</bpmn:completionCondition>"))),
         file_with(straight(multi(CARDINALITY + f"<bpmn:completionCondition {FORMAL}>false"
                                                "</bpmn:completionCondition>")))),
    Case("EXT.079", "t", file_with(straight(subprocess(io() + INNER))), file_with(straight(subprocess(INNER)))),
    Case("EXT.082", "da", file_with(io(outputs=data_output("pout"), output_sets=output_set("pout")),
                                    straight(reading_task(association("pout")))),
         file_with(io(outputs=data_output("pout"), output_sets=output_set("pout")),
                   straight(reading_task(association("dr"))))),
    Case("EXT.084", "in2", file_with(straight(task_io(io(data_input("in") + data_input("in2"),
                                                         input_sets=input_set("in"))))),
         file_with(straight(task_io(io(data_input("in") + data_input("in2"), input_sets=input_set("in", "in2")))))),
    Case("EXT.084", "in2", file_with(straight(task_io(io(data_input("in") + data_input("in2"),
                                                         input_sets=input_set("in"))))),
         file_with(straight(task_io(io(data_input("in") + data_input("in2"), input_sets=input_set("in")))),
                   attributes=' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'),
         name="engine-file"),
    Case("EXT.085", "is", file_with(straight(task_io(io(AB_IN, input_sets=input_set("a", extra=OPTIONAL_B, attributes=IS))))),
         file_with(straight(task_io(io(AB_IN, input_sets=input_set("a", "b", extra=OPTIONAL_B, attributes=IS)))))),
    Case("EXT.086", "is", file_with(straight(task_io(io(AB_IN, input_sets=input_set("a", extra=WHILE_B, attributes=IS))))),
         file_with(straight(task_io(io(AB_IN, input_sets=input_set("a", "b", extra=WHILE_B, attributes=IS)))))),
    Case("EXT.087", "is", file_with(straight(task_io(io(input_sets=input_set(extra=TO_OS, attributes=IS),
                                                        output_sets=output_set(attributes=OS))))),
         file_with(straight(task_io(io(input_sets=input_set(extra=TO_OS, attributes=IS),
                                       output_sets=output_set(extra=TO_IS, attributes=OS)))))),
    Case("EXT.088", "o2", file_with(straight(task_io(io(outputs=data_output("o1") + data_output("o2"),
                                                        output_sets=output_set("o1"))))),
         file_with(straight(task_io(io(outputs=data_output("o1") + data_output("o2"),
                                       output_sets=output_set("o1", "o2")))))),
    Case("EXT.089", "os", file_with(straight(task_io(io(outputs=AB_OUT, output_sets=output_set(
        "a", extra="<bpmn:optionalOutputRefs>b</bpmn:optionalOutputRefs>", attributes=OS))))),
         file_with(straight(task_io(io(outputs=AB_OUT, output_sets=output_set(
             "a", "b", extra="<bpmn:optionalOutputRefs>b</bpmn:optionalOutputRefs>", attributes=OS)))))),
    Case("EXT.090", "os", file_with(straight(task_io(io(outputs=AB_OUT, output_sets=output_set(
        "a", extra="<bpmn:whileExecutingOutputRefs>b</bpmn:whileExecutingOutputRefs>", attributes=OS))))),
         file_with(straight(task_io(io(outputs=AB_OUT, output_sets=output_set(
             "a", "b", extra="<bpmn:whileExecutingOutputRefs>b</bpmn:whileExecutingOutputRefs>", attributes=OS)))))),
    Case("EXT.091", "da", file_with(straight(reading_task(association("dr"), item="number"))),
         file_with(straight(reading_task(association("dr"))))),
    Case("EXT.091", "da", *[definitions(f'<bpmn:itemDefinition id="a" structureRef="xsd:string"/>'
                                        f'<bpmn:itemDefinition id="b" structureRef="{structure}"/>',
                                        process(straight(f'<bpmn:task id="t">{TYPED_INPUT}{association("dr")}</bpmn:task>'
                                                         + DATA_OBJECT.format(item="b"))),
                                        attributes=' xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
                                                   'xmlns:xs="http://www.w3.org/2001/XMLSchema"')
                                for structure in ("xs:int", "xs:string")], name="one-type-two-prefixes"),
    Case("EXT.092", "da", file_with(straight(reading_task(association("dr", "dr2")),
                                             extra='<bpmn:dataObjectReference id="dr2" dataObjectRef="do"/>')),
         file_with(straight(reading_task(association("dr", "dr2", inner=f'<bpmn:transformation {FORMAL}>dr'
                                                                          '</bpmn:transformation>')),
                            extra='<bpmn:dataObjectReference id="dr2" dataObjectRef="do"/>'))),
    Case("EXT.093", "t", file_with(straight(throw(data_input("i") + data_input("i2") + input_set("i", "i2")
                                                  + '<bpmn:signalEventDefinition signalRef="sig"/>'))),
         file_with(straight(throw(data_input("i") + input_set("i") + '<bpmn:signalEventDefinition signalRef="sig"/>')))),
    Case("EXT.094", "i", file_with(straight(throw(data_input("i", "number") + input_set("i") + MESSAGE))),
         file_with(straight(throw(data_input("i") + input_set("i") + MESSAGE)))),
    Case("EXT.095", "x", file_with(
        '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"><bpmn:messageEventDefinition id="md" messageRef="m"/>'
        '</bpmn:endEvent>' + throw("<bpmn:eventDefinitionRef>md</bpmn:eventDefinitionRef>", "x") + chain("s", "x", "e")),
         definitions('<bpmn:messageEventDefinition id="md" messageRef="m"/>', process(
             '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"><bpmn:eventDefinitionRef>md</bpmn:eventDefinitionRef>'
             '</bpmn:endEvent>' + throw("<bpmn:eventDefinitionRef>md</bpmn:eventDefinitionRef>", "x")
             + chain("s", "x", "e")))),
    Case("EXT.096", "s", file_with(straight(T, extra=flow("t", "s", "back"))),
         file_with(straight(T))),
    Case("EXT.097", "e", file_with(f'<bpmn:task id="t"/><bpmn:endEvent id="e"/>{flow("t", "e")}'),
         file_with(straight(T))),
    Case("EXT.098", "s", file_with(straight(T).replace('<bpmn:startEvent id="s"/>', '<bpmn:startEvent id="s">'
                                                       '<bpmn:escalationEventDefinition escalationRef="esc"/>'
                                                       '</bpmn:startEvent>')),
         file_with(straight(T).replace('<bpmn:startEvent id="s"/>', '<bpmn:startEvent id="s"><bpmn:signalEventDefinition '
                                                                    'signalRef="sig"/></bpmn:startEvent>'))),
    Case("EXT.098", "s", file_with(straight(T).replace('<bpmn:startEvent id="s"/>', '<bpmn:startEvent id="s">'
                                                       '<bpmn:compensateEventDefinition/></bpmn:startEvent>')),
         file_with(straight(T)), name="compensation-EXT.121"),
    Case("EXT.099", "t", definitions(process(straight('<bpmn:callActivity id="t" calledElement="q"/>')),
                                     called(message_start("qs"))),
         definitions(process(straight('<bpmn:callActivity id="t" calledElement="q"/>')), called('<bpmn:startEvent id="qs"/>'))),
    Case("EXT.100", "t", file_with(straight(subprocess(INNER.replace(
        '<bpmn:startEvent id="is"/>', f'<bpmn:startEvent id="is">{timer()}</bpmn:startEvent>')))),
         file_with(straight(subprocess(INNER)))),
    Case("EXT.101", "s2", file_with(straight(T, extra='<bpmn:startEvent id="s2"/>')), file_with(straight(T))),
    Case("EXT.102", "mf", in_pool(straight(T), message_flow("s", "other")),
         in_pool(straight(T), message_flow("t", "other"))),
    Case("EXT.103", "mf", in_pool(straight(T), message_flow("other", "s")),
         in_pool(straight(T).replace('<bpmn:startEvent id="s"/>', message_start("s")), message_flow("other", "s"))),
    Case("EXT.104", "e", file_with(straight(T, extra='<bpmn:task id="after"/><bpmn:endEvent id="e2"/>'
                                                     + chain("e", "after", "e2"))),
         file_with(straight(T))),
    Case("EXT.105", "s", file_with(f'<bpmn:startEvent id="s"/>{T}{flow("s", "t")}'), file_with(straight(T))),
    Case("EXT.106", "ie", file_with(straight(subprocess(INNER.replace('<bpmn:endEvent id="ie"/>',
                                                                      '<bpmn:endEvent id="ie"><bpmn:cancelEventDefinition/>'
                                                                      '</bpmn:endEvent>')))),
         file_with(straight(subprocess(INNER)))),
    Case("EXT.107", "e2", file_with(straight(T, extra='<bpmn:endEvent id="e2"/>')), file_with(straight(T))),
    Case("EXT.108", "mf", in_pool(straight(T), message_flow("other", "e")),
         in_pool(straight(T), message_flow("other", "t"))),
    Case("EXT.109", "mf", in_pool(straight(T), message_flow("e", "other")),
         in_pool(straight(T).replace('<bpmn:endEvent id="e"/>', f'<bpmn:endEvent id="e">{MESSAGE}</bpmn:endEvent>'),
                 message_flow("e", "other"))),
    Case("EXT.110", "b", file_with(with_boundary("")), file_with(with_boundary(timer()))),
    Case("EXT.110", "b", file_with(with_boundary('<bpmn:errorEventDefinition errorRef="err"/>', 'cancelActivity="false"')),
         file_with(with_boundary('<bpmn:errorEventDefinition errorRef="err"/>')), name="non-interrupting-error"),
    Case("EXT.111", "b", file_with(with_boundary("<bpmn:cancelEventDefinition/>")),
         file_with(with_boundary(timer()))),
    Case("EXT.112", "b", file_with(with_boundary(timer()) + flow("s", "b", "into_b")), file_with(with_boundary(timer()))),
    Case("EXT.113", "b", file_with(straight(T, extra=boundary(timer()))), file_with(with_boundary(timer()))),
    Case("EXT.114", "b", file_with(compensable(outgoing='<bpmn:endEvent id="be"/>' + flow("b", "be"))),
         file_with(compensable())),
    Case("EXT.115", "x", file_with(straight(T, extra=throw("", "x") + flow("x", "t"))),
         file_with(straight(throw("", "t")))),
    Case("EXT.116", "x", file_with(straight(T, extra=catch(timer(), "x") + flow("s", "x"))),
         file_with(straight(catch(timer())))),
    Case("EXT.117", "j", file_with(links(link("L", "lj"), link("L", "lk"), throw_extra='<bpmn:endEvent id="e2"/>'
                                                                                    + flow("j", "e2"))),
         file_with(links(link("L", "lj"), link("L", "lk")))),
    Case("EXT.118", "j", file_with(links(link("L", "lj", "<bpmn:target>lk</bpmn:target>"), link("L", "lk"))),
         file_with(links(link("to the end", "lj", "<bpmn:target>lk</bpmn:target>"),
                         link("the end", "lk", "<bpmn:source>lj</bpmn:source>")))),
    Case("EXT.119", "mf", in_pool(straight(catch(MESSAGE)), message_flow("t", "other")),
         in_pool(straight(catch(MESSAGE)), message_flow("other", "t"))),
    Case("EXT.123", "t", file_with(straight(catch(f"<bpmn:conditionalEventDefinition><bpmn:condition {FORMAL}/>"
                                                  "</bpmn:conditionalEventDefinition>"))),
         file_with(straight(catch(f"<bpmn:conditionalEventDefinition><bpmn:condition {FORMAL}>ready == True"
                                  "</bpmn:condition></bpmn:conditionalEventDefinition>")))),
    Case("EXT.124", "k", file_with(links(link("L", "lj"), link("M", "lk"))), file_with(links(link("L", "lj"), link("L", "lk")))),
    Case("EXT.125", "j", file_with(links(link("L", "lj"), link("L", "lk"),
                                         catch_extra=catch(link("L", "lk2"), "k2") + flow("k2", "e"))),
         file_with(links(link("L", "lj"), link("L", "lk")))),
    Case("EXT.126", "j", file_with(
        '<bpmn:startEvent id="s"/>' + throw(link("L", "lj", "<bpmn:target>lk</bpmn:target>"), "j")
        + subprocess('<bpmn:startEvent id="is"/><bpmn:endEvent id="ie"/>' + flow("is", "ie")
                     + catch(link("L", "lk", "<bpmn:source>lj</bpmn:source>"), "k") + flow("k", "ie", "k_ie"),
                     ident="sub")
        + '<bpmn:endEvent id="e"/>' + flow("s", "j") + flow("s", "sub") + flow("sub", "e")),
         file_with(links(link("L", "lj", "<bpmn:target>lk</bpmn:target>"),
                         link("L", "lk", "<bpmn:source>lj</bpmn:source>")))),
    Case("EXT.127", "t", file_with(straight(catch("<bpmn:messageEventDefinition/>"))), file_with(straight(catch(MESSAGE)))),
    Case("EXT.132", "t", file_with(straight(catch(timer("timeDate", "tomorrow")))),
         file_with(straight(catch(timer("timeDate", "2030-01-01T09:00:00Z"))))),
    Case("EXT.133", "t", file_with(straight(catch(timer("timeCycle", "often")))),
         file_with(straight(catch(timer("timeCycle", "R3/PT10M"))))),
    Case("EXT.134", "t", file_with(straight(catch(timer("timeDuration", "long")))),
         file_with(straight(catch(timer("timeDuration", "PT1H"))))),
    Case("EXT.135", "t", file_with(straight('<bpmn:exclusiveGateway id="t"/>')), file_with(gateway_split("exclusiveGateway"))),
    Case("EXT.136", "g", file_with(event_gateway(catch(MESSAGE, "x0"))),
         file_with(event_gateway(catch(MESSAGE, "x0"), catch(timer(), "x1")))),
    Case("EXT.137", "g", file_with(event_gateway(catch(MESSAGE, "x0"), catch(timer(), "x1")).replace(
        flow("g", "x1"), flow("g", "x1", condition="True"))),
         file_with(event_gateway(catch(MESSAGE, "x0"), catch(timer(), "x1")))),
    Case("EXT.138", "g", file_with(event_gateway(catch(MESSAGE, "x0"), '<bpmn:task id="x1"/>')),
         file_with(event_gateway(catch(MESSAGE, "x0"), catch(timer(), "x1")))),
    Case("EXT.139", "g", file_with(event_gateway(catch(MESSAGE, "x0"), '<bpmn:receiveTask id="x1" messageRef="answer"/>')),
         file_with(event_gateway(catch(timer(), "x0"), '<bpmn:receiveTask id="x1" messageRef="answer"/>'))),
    Case("EXT.140", "x1", file_with(event_gateway(catch(timer(), "x0"), '<bpmn:receiveTask id="x1" messageRef="m"/>',
                                                  extra=boundary(timer(), attached="x1") + '<bpmn:endEvent id="be"/>'
                                                  + flow("b", "be"))),
         file_with(event_gateway(catch(timer(), "x0"), '<bpmn:receiveTask id="x1" messageRef="m"/>'))),
    Case("EXT.141", "x1", file_with(event_gateway(catch(MESSAGE, "x0"), catch(timer(), "x1"), extra=flow("s", "x1"))),
         file_with(event_gateway(catch(MESSAGE, "x0"), catch(timer(), "x1")))),
    Case("EXT.142", "g", file_with(event_gateway(catch(MESSAGE, "x0"), catch(timer(), "x1")).replace(
        '<bpmn:eventBasedGateway id="g"/>', '<bpmn:eventBasedGateway id="g" instantiate="true"/>')),
         file_with(event_gateway(catch(MESSAGE, "x0"), catch(timer(), "x1")))),
    Case("EXT.143", "b", file_with(compensable(handler="")), file_with(compensable())),
    Case("EXT.144", "b", file_with(compensable(handler=COMPENSATION.replace('isForCompensation="true"', ""))),
         file_with(compensable())),
    Case("EXT.145", "undo", file_with(compensable(handler=HANDLER + '<bpmn:endEvent id="ue"/>' + flow("undo", "ue")
                                                  + ASSOCIATION)),
         file_with(compensable())),
    Case("EXT.146", "e", file_with(straight(T).replace('<bpmn:endEvent id="e"/>', f'<bpmn:endEvent id="e">{timer()}'
                                                                                  '</bpmn:endEvent>')),
         file_with(straight(T).replace('<bpmn:endEvent id="e"/>', f'<bpmn:endEvent id="e">{MESSAGE}</bpmn:endEvent>'))),
    Case("EXT.148", "t", file_with(straight(catch('<bpmn:errorEventDefinition errorRef="err"/>'))),
         file_with(straight(catch(MESSAGE)))),
    Case("EXT.148", "t", file_with(straight(catch(""))), file_with(straight(catch(timer()))), name="none"),
    Case("EXT.149", "t", file_with(straight(throw(timer()))), file_with(straight(throw(MESSAGE)))),
    Case("EXT.150", "x", file_with(straight(T, extra='<bpmn:task id="x"/>' + flow("x", "e"))), file_with(straight(T))),
    Case("EXT.151", "x", file_with(straight(T, extra='<bpmn:task id="x"/>' + flow("s", "x"))), file_with(straight(T))),
    Case("EXT.152", "out", file_with(straight(subprocess(INNER), extra=flow("it", "e", "out"))),
         file_with(straight(subprocess(INNER)))),
    Case("REF.EXISTS", "t", file_with(straight(catch('<bpmn:messageEventDefinition messageRef="nothing"/>'))),
         file_with(straight(catch(MESSAGE)))),
    Case("REF.TYPE", "bad", file_with(straight(T), parts='<bpmn:message id="bad" itemRef="p"/>'),
         file_with(straight(T), parts='<bpmn:message id="bad" itemRef="text"/>')),
    Case("REF.TYPE", "b", file_with(straight(T, extra=boundary(timer(), attached="s") + '<bpmn:endEvent id="be"/>'
                                             + flow("b", "be"))),
         file_with(with_boundary(timer())), name="attached-to-event"),
]

STANDARD_LOOP = f"<bpmn:standardLoopCharacteristics><bpmn:loopCondition {FORMAL}>count &lt; 3</bpmn:loopCondition>" \
                "</bpmn:standardLoopCharacteristics>"
MULTI = f"<bpmn:multiInstanceLoopCharacteristics>{CARDINALITY}</bpmn:multiInstanceLoopCharacteristics>"
PERFORMER = ('<bpmn:performer><bpmn:resourceRef>clerk</bpmn:resourceRef>{}</bpmn:performer>')
ASSIGNMENT = f"<bpmn:resourceAssignmentExpression><bpmn:formalExpression>clerk</bpmn:formalExpression>" \
             "</bpmn:resourceAssignmentExpression>"

# The rules the BPMN 2.0 schema enforces (catalogue.BY_SCHEMA): refused with a schema problem.
SCHEMA_CASES = [
    Case("XSD", "", file_with(straight(f'<bpmn:task id="t">{PERFORMER.format(ASSIGNMENT)}</bpmn:task>'),
                              parts='<bpmn:resource id="clerk" name="Clerk"/>'),
         file_with(straight(f'<bpmn:task id="t">{PERFORMER.format("")}</bpmn:task>'), parts='<bpmn:resource id="clerk" name="Clerk"/>'),
         name="EXT.039", kept_deploys=False),
    Case("XSD", "", file_with(straight(f'<bpmn:task id="t">{STANDARD_LOOP}{MULTI}</bpmn:task>')),
         file_with(straight(f'<bpmn:task id="t">{MULTI}</bpmn:task>')), name="EXT.041"),
    Case("XSD", "", file_with(straight(subprocess(STANDARD_LOOP + MULTI + INNER))),
         file_with(straight(subprocess(MULTI + INNER))), name="EXT.054"),
    Case("XSD", "", file_with(straight(f'<bpmn:adHocSubProcess id="t">{STANDARD_LOOP}{MULTI}<bpmn:task id="w"/>'
                                       '</bpmn:adHocSubProcess>')),
         file_with(straight(f'<bpmn:adHocSubProcess id="t">{MULTI}<bpmn:task id="w"/></bpmn:adHocSubProcess>')),
         name="EXT.055"),
    Case("XSD", "", file_with(straight(T), parts='<bpmn:property id="loose" itemSubjectRef="text"/>'),
         file_with('<bpmn:property id="kept" itemSubjectRef="text"/>', straight(T)), name="EXT.078",
         kept_deploys=False),
]
