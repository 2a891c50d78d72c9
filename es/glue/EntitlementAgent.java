// The java agent the server attaches to itself at start-up (the published server names the class to initialise).
import java.lang.instrument.Instrumentation;

public class EntitlementAgent {
    public static void agentmain(String initializerClass, Instrumentation inst) throws Exception {
        Class.forName(initializerClass, true, ClassLoader.getSystemClassLoader())
            .getMethod("initialize", Instrumentation.class).invoke(null, inst);
    }
}
